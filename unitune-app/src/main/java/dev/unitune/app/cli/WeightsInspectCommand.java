package dev.unitune.app.cli;

import dev.unitune.weights.WeightsFormatException;
import dev.unitune.weights.WeightsInspector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `unitune weights inspect PATH`: what a weights file or folder holds, without loading any tensor. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Lists the tensors of a weights file or folder (name, dtype, shape, bytes), the total parameter",
                "count and the metadata; for a diffusers folder also which components were found.",
                "Reads safetensors, *.safetensors.index.json shards, torch .pth/.pt/.ckpt (zip and pre-1.6 legacy,",
                "through a restricted unpickler that runs no code) and diffusers folders."})
public final class WeightsInspectCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "Weights file or folder.")
    Path path;

    @Override
    public Integer call() {
        if (!Files.exists(path)) return fail(path + ": no such file or folder");
        try {
            WeightsInspector.inspect(path, System.out);
            return 0;
        } catch (WeightsFormatException e) {
            return fail(e.getMessage());
        }
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("unitune weights inspect: " + message);
        return 2;
    }
}
