package dev.unitune.app.cli;

import dev.unitune.bench.UnetBench;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `unitune bench unet`: speed and memory of one UNet pass, from any diffusers UNet config, random weights. */
@Command(name = "unet", mixinStandardHelpOptions = true,
        description = {"Builds a UNet2DConditionModel from a diffusers unet/config.json (or 'sd15', the bundled",
                "Stable Diffusion 1.5 config) with random weights and prints milliseconds per forward (and per",
                "forward+backward with --backward), images/s, parameters, f32 weight MiB and peak Java heap.",
                "SD 1.5 needs about 3.3 GiB of heap for its weights alone: run with e.g. JAVA_OPTS=-Xmx12g."})
public final class BenchUnetCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "UNET_CONFIG.json", description = "diffusers UNet config, or 'sd15'.")
    String config;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "2", description = "Batch size (default ${DEFAULT-VALUE}: a CFG pair).")
    int batch;

    @Option(names = "--latent", paramLabel = "H", description = "Latent height = width (default: the config's sample_size).")
    Integer latent;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "77", description = "Text tokens of the cross-attention context (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--backward", description = "Also time forward+backward of mean(output^2).")
    boolean backward;

    @Option(names = "--checkpointing", description = "Gradient checkpointing per block (trades compute for memory in backward).")
    boolean checkpointing;

    @Option(names = "--backend", paramLabel = "NAME", description = "cpu, opencl, cuda or auto.")
    String backend;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed runs first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "2", description = "Timed runs; the best is reported (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random weights and inputs.")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        Backend be = Backends.select(backend);
        UnetBench.Result r = UnetBench.run(new UnetBench.Options(config, batch, latent, tokens, backward, checkpointing, warmup, reps, seed,
                System.out), be);
        if (json != null) {
            UnetBench.writeJson(r, json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
