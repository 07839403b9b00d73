package dev.unitune.app.cli;

import dev.unitune.tensor.DType;
import dev.unitune.weights.WeightsConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** `unitune weights convert IN OUT [--dtype f16|bf16|f32]`: any readable weights to safetensors. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts any readable weights (safetensors, shards, torch .pth/.pt/.ckpt, diffusers folder) into",
                "one safetensors file with the same tensor names. An original single-file Stable Diffusion 1.x/2.x",
                "checkpoint (.ckpt or .safetensors) becomes a diffusers folder at OUT instead (unet/, vae/,",
                "text_encoder/, scheduler/, model_index.json), with keys renamed and fused q/k/v split.",
                "Output is written to a temp file/folder and moved into place, so OUT is complete or absent."})
public final class WeightsConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "Weights file or folder to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "safetensors file to write (a folder for SD checkpoints).")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "Store floating tensors as f16, bf16 or f32 (default: keep each tensor's type).")
    String dtype;

    @Override
    public Integer call() {
        DType d = null;
        if (dtype != null) {
            switch (dtype.toLowerCase(Locale.ROOT)) {
                case "f16", "fp16", "float16" -> d = DType.F16;
                case "bf16", "bfloat16" -> d = DType.BF16;
                case "f32", "fp32", "float32" -> d = DType.F32;
                default -> throw new IllegalArgumentException("--dtype '" + dtype + "' is not one of f16, bf16, f32");
            }
        }
        if (!Files.exists(in)) throw new IllegalArgumentException(in + ": no such file or folder");
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) throw new IllegalArgumentException("IN and OUT are the same path: " + in);
        long t0 = System.nanoTime();
        WeightsConverter.Result r = WeightsConverter.convert(in, out, d);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %s: %s, %d tensors in %.1f s%n", r.output(),
                r.diffusersFolder() ? "diffusers folder" : "safetensors (" + r.bytes() + " data bytes)", r.tensors(), s);
        for (String n : r.notes()) System.out.println("  " + n);
        return 0;
    }
}
