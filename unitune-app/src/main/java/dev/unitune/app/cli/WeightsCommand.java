package dev.unitune.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `unitune weights ...`: read, convert and check weight files. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        subcommands = {WeightsInspectCommand.class, WeightsConvertCommand.class, GoldenCheckCommand.class},
        description = "Inspect, convert and golden-check weight files.")
public final class WeightsCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
