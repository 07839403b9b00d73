package dev.unitune.app.cli;

import dev.unitune.weights.WeightsInspector;
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
    @Parameters(index = "0", paramLabel = "PATH", description = "Weights file or folder.")
    Path path;

    @Override
    public Integer call() {
        if (!Files.exists(path)) throw new IllegalArgumentException(path + ": no such file or folder");
        WeightsInspector.inspect(path, System.out);
        return 0;
    }
}
