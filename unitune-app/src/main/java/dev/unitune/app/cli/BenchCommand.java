package dev.unitune.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `unitune bench ...`: benchmarks against named peers, run in the same process and machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = {BenchKernelsCommand.class, BenchUnetCommand.class},
        description = "Benchmarks (kernels, unet) against named peers.")
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
