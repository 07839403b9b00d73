package dev.unitune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.model.unet.UNet2DConditionModel;
import dev.unitune.model.unet.UNetConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times a UNet2DConditionModel built from any diffusers UNet config with random weights: milliseconds
 * per forward (no tape), optionally per forward+backward (loss = mean(output^2), with and without
 * gradient checkpointing), images per second, parameter count, f32 weight memory and the peak used Java
 * heap, sampled on a background thread (plus the backend's device allocation where it tracks one).
 * The SD 1.5 config ships as the resource "sd15" so that the real-size figure needs no download.
 */
public final class UnetBench {
    /** The bundled SD 1.5 UNet config (runwayml/stable-diffusion-v1-5 unet/config.json). */
    public static final String SD15_RESOURCE = "/dev/unitune/model/configs/sd15-unet.json";

    public record Options(String config, int batch, Integer latent, int tokens, boolean backward, boolean checkpointing,
                          int warmup, int reps, long seed, PrintStream out) {
        public Options {
            if (batch < 1) throw new IllegalArgumentException("--batch " + batch + " must be at least 1");
            if (latent != null && latent < 1) throw new IllegalArgumentException("--latent " + latent + " must be at least 1");
            if (tokens < 1) throw new IllegalArgumentException("--tokens " + tokens + " must be at least 1");
            if (warmup < 0 || reps < 1) throw new IllegalArgumentException("--warmup must be >= 0 and --reps >= 1");
        }
    }

    /** What was measured; backward figures are NaN when not run. */
    public record Result(String config, String backend, int batch, int latent, int tokens, long parameters, double weightMiB,
                         double buildSeconds, double forwardMs, double imagesPerSecond, double forwardPeakHeapMiB,
                         double forwardBackwardMs, double forwardBackwardPeakHeapMiB, boolean checkpointing, long deviceBytes) {}

    private UnetBench() {}

    /** Reads a config path, or "sd15" for the bundled SD 1.5 config. */
    static JsonNode readConfig(String config) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (config.equalsIgnoreCase("sd15")) {
            try (InputStream in = UnetBench.class.getResourceAsStream(SD15_RESOURCE)) {
                if (in == null) throw new IOException("bundled config " + SD15_RESOURCE + " is missing from the model jar");
                return json.readTree(in);
            }
        }
        Path p = Path.of(config);
        if (!Files.isRegularFile(p)) throw new IOException("UNet config " + p + " does not exist (give a diffusers unet/config.json or 'sd15')");
        JsonNode n = json.readTree(p.toFile());
        if (n == null || !n.isObject()) throw new IOException(p + ": not a JSON object");
        return n;
    }

    public static Result run(Options o, Backend backend) throws IOException {
        JsonNode json = readConfig(o.config());
        UNetConfig cfg = UNetConfig.fromJson(json);
        int latent = o.latent() != null ? o.latent() : json.path("sample_size").asInt(64);
        PrintStream out = o.out();

        long t0 = System.nanoTime();
        UNet2DConditionModel unet;
        try (InitContext ctx = InitContext.open(backend, DType.F32, new Generator(o.seed()), true)) {
            unet = new UNet2DConditionModel(cfg);
        }
        unet.setGradientCheckpointing(o.checkpointing());
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        long params = unet.parameterCount();
        double weightMiB = params * 4.0 / (1 << 20);
        out.printf(Locale.ROOT, "UNet %s: %,d parameters, %.1f MiB of f32 weights, built with random weights in %.1f s on %s%n",
                o.config(), params, weightMiB, buildSeconds, backend.name());

        int crossDim = cfg.crossAttentionDim()[0];
        Tensor sample = backend.normal(DType.F32, o.seed() + 1, 0, 0, 1, o.batch(), cfg.inChannels(), latent, latent);
        Tensor context = backend.normal(DType.F32, o.seed() + 2, 0, 0, 1, o.batch(), o.tokens(), crossDim);
        double[] timesteps = new double[o.batch()];
        Arrays.fill(timesteps, 500);
        out.printf(Locale.ROOT, "input: batch %d, latent %dx%dx%d, %d tokens x %d; warm-up %d, timed %d%n",
                o.batch(), cfg.inChannels(), latent, latent, o.tokens(), crossDim, o.warmup(), o.reps());

        HeapSampler heap = new HeapSampler();
        double fwdMs, fwdPeak;
        try (NoGrad ng = NoGrad.enter()) {
            Timing t = time(o, heap, () -> unet.forward(Var.constant(sample), timesteps, Var.constant(context), null), backend);
            fwdMs = t.bestMs;
            fwdPeak = t.peakMiB;
        }
        double ips = o.batch() / (fwdMs / 1000);
        out.printf(Locale.ROOT, "forward:          %10.1f ms  (%.3f images/s)  peak heap %.0f MiB%n", fwdMs, ips, fwdPeak);

        double fbMs = Double.NaN, fbPeak = Double.NaN;
        if (o.backward()) {
            Timing t = time(o, heap, () -> {
                Var y = unet.forward(Var.constant(sample), timesteps, Var.constant(context), null);
                F.mean(F.square(y)).backward();
                unet.zeroGrad();
                return y;
            }, backend);
            fbMs = t.bestMs;
            fbPeak = t.peakMiB;
            out.printf(Locale.ROOT, "forward+backward: %10.1f ms  (%.3f images/s)  peak heap %.0f MiB  checkpointing %s%n",
                    fbMs, o.batch() / (fbMs / 1000), fbPeak, o.checkpointing() ? "on" : "off");
        }
        heap.close();
        return new Result(o.config(), backend.name(), o.batch(), latent, o.tokens(), params, weightMiB, buildSeconds, fwdMs, ips,
                fwdPeak, fbMs, fbPeak, o.checkpointing(), backend.allocatedBytes());
    }

    private record Timing(double bestMs, double peakMiB) {}

    /** Best of reps (after warm-up); the heap peak covers the timed runs. */
    private static Timing time(Options o, HeapSampler heap, java.util.function.Supplier<Var> body, Backend backend) {
        for (int i = 0; i < o.warmup(); i++) {
            try (MemoryScope s = MemoryScope.open()) {
                body.get();
                backend.synchronize();
            }
        }
        System.gc(); // start the peak from the model and inputs alone
        heap.reset();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < o.reps(); i++) {
            try (MemoryScope s = MemoryScope.open()) {
                long t = System.nanoTime();
                body.get();
                backend.synchronize();
                best = Math.min(best, (System.nanoTime() - t) / 1e6);
            }
        }
        return new Timing(best, heap.peakMiB());
    }

    /** Writes the result as JSON, atomically (temp file in the same folder, then a move). */
    public static void writeJson(Result r, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode n = json.valueToTree(r);
        n.put("java", System.getProperty("java.version"));
        n.put("cpus", Runtime.getRuntime().availableProcessors());
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, json.writeValueAsBytes(n));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Polls used heap every 2 ms on a daemon thread and keeps the maximum since the last reset. */
    private static final class HeapSampler implements AutoCloseable {
        private final Thread thread;
        private volatile long peak;
        private volatile boolean running = true;

        HeapSampler() {
            thread = new Thread(() -> {
                Runtime rt = Runtime.getRuntime();
                while (running) {
                    long used = rt.totalMemory() - rt.freeMemory();
                    if (used > peak) peak = used;
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "unet-bench-heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void reset() {
            Runtime rt = Runtime.getRuntime();
            peak = rt.totalMemory() - rt.freeMemory();
        }

        double peakMiB() { return peak / (double) (1 << 20); }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
