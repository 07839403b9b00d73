package dev.unitune.app;

import dev.unitune.app.cli.BenchCommand;
import dev.unitune.app.cli.InfoCommand;
import dev.unitune.app.cli.WeightsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the `./unitune` launcher. */
@Command(name = "unitune", mixinStandardHelpOptions = true, version = "unitune 0.1.0-SNAPSHOT",
        description = "UniTune for the JVM: fine-tune a diffusion model on one image, then edit it from a sentence.",
        subcommands = {InfoCommand.class, WeightsCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) { System.exit(run(args)); }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new CliErrors());
        return cl.execute(args);
    }
}
