package dev.unitune.weights.tools;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.ByteRange;
import dev.unitune.weights.SafetensorsFile;
import dev.unitune.weights.SafetensorsWriter;
import dev.unitune.weights.WeightDType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark driver for scripts/bench-safetensors.sh.
 * <pre>
 *   generate FILE SIZE_GB   random F32 safetensors with SD-like tensor shapes (written streaming)
 *   read FILE [REPEATS]     time open+index and materialising every tensor as an F32 CPU tensor
 * </pre>
 */
public final class SafetensorsBench {
    private SafetensorsBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("generate")) generate(Path.of(args[1]), Double.parseDouble(args[2]));
        else if (args.length >= 2 && args[0].equals("read")) read(Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 3);
        else {
            System.err.println("usage: SafetensorsBench generate FILE SIZE_GB | read FILE [REPEATS]");
            System.exit(2);
        }
    }

    /** Shapes cycled like a UNet's (convs, attention projections, norms), about 6.5 MB on average. */
    private static final long[][] SHAPES = {{1280, 1280, 3, 3}, {640, 640, 3, 3}, {1280, 1280}, {640, 768}, {5120, 1280},
            {1280}, {320, 320, 3, 3}, {1280, 5120}, {640}, {320, 320}};

    static void generate(Path file, double gigabytes) {
        long target = (long) (gigabytes * (1L << 30));
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        long total = 0;
        for (int i = 0; total < target; i++) {
            long[] shape = SHAPES[i % SHAPES.length];
            long n = 1;
            for (long d : shape) n *= d;
            entries.add(new SafetensorsWriter.Entry("blocks." + i + ".weight", WeightDType.F32, shape, randomFloats(n, i)));
            total += 4 * n;
        }
        long t0 = System.nanoTime();
        SafetensorsWriter.writeEntries(file, entries, Map.of("generator", "SafetensorsBench"));
        System.out.printf(Locale.ROOT, "generated %s: %d tensors, %.2f GB in %.1f s%n", file, entries.size(), total / 1e9,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Deterministic pseudo-random floats in [-1, 1), produced piece by piece (never the whole tensor at once). */
    private static ByteRange randomFloats(long numel, long seed) {
        return new ByteRange() {
            public long size() { return numel * 4; }
            public ByteBuffer piece(long offset, int length) {
                ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
                long x = seed * 0x9E3779B97F4A7C15L + offset + 1;
                for (int i = 0; i < length; i += 4) {
                    x ^= x << 13; x ^= x >>> 7; x ^= x << 17; // xorshift64
                    b.putFloat(i, ((x >>> 40) / (float) (1 << 24)) * 2f - 1f);
                }
                return b;
            }
        };
    }

    static void read(Path file, int repeats) {
        Backend cpu = Backends.cpu();
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long t1 = System.nanoTime();
                double checksum = 0;
                for (String n : f.names()) {
                    Tensor t = f.loadAs(n, cpu, DType.F32);
                    float[] v = (float[]) cpu.toHost(t.narrow(0, 0, 1).reshape(-1)); // touch the result
                    checksum += v[0];
                }
                long t2 = System.nanoTime();
                double open = (t1 - t0) / 1e6, mat = (t2 - t1) / 1e9;
                System.out.printf(Locale.ROOT, "run %d: open+index %.1f ms (%d tensors); materialise all as F32 %.2f s = %.2f GB/s (checksum %.3f)%n",
                        r + 1, open, f.names().size(), mat, size / 1e9 / mat, checksum);
            }
        }
    }
}
