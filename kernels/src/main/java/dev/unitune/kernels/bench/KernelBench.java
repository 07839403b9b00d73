package dev.unitune.kernels.bench;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Times the ops where the time goes (GEMM, attention, 3x3 conv) on chosen backends and prints one
 * machine-readable line per case, {@code RESULT|op|shape|backend|dtype|ms|gflops}, which
 * scripts/device-check.sh turns into a table beside PyTorch's numbers (scripts/gpu-peers.py prints the
 * same format). Each case: warm-up calls, then the median of timed repetitions, synchronising the device.
 *
 * <p>Usage: {@code KernelBench <gpu|cpu> backend [backend ...]}; "gpu" runs the SD/UNet-sized cases of
 * the issue, "cpu" small ones that finish on a 2-core machine.
 */
public final class KernelBench {
    private KernelBench() {}

    record Case(String op, String shape, DType dtype, double flops, Supplier<Runnable> setup) {}

    public static void main(String[] args) {
        if (args.length < 2 || !(args[0].equals("gpu") || args[0].equals("cpu"))) {
            System.err.println("usage: KernelBench <gpu|cpu> backend [backend ...]   (backends: cpu, opencl, cuda)");
            System.exit(2);
        }
        boolean gpu = args[0].equals("gpu");
        for (int i = 1; i < args.length; i++) {
            Backend b;
            try {
                b = Backends.select(args[i]);
            } catch (RuntimeException e) {
                System.out.println("SKIP|" + args[i] + "|" + e.getMessage());
                continue;
            }
            System.out.println("DEVICE|" + b.name() + "|" + b.description());
            for (Case c : gpu ? gpuCases(b) : cpuCases(b)) run(b, c, gpu ? 20 : 5);
        }
    }

    static void run(Backend b, Case c, int reps) {
        try (MemoryScope scope = MemoryScope.open()) {
            Runnable op = c.setup().get();
            op.run(); // warm-up: kernel compilation, caches
            op.run();
            b.synchronize();
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                try (MemoryScope inner = MemoryScope.open()) {
                    op.run();
                    b.synchronize();
                }
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            java.util.Arrays.sort(ms);
            double med = ms[reps / 2];
            System.out.println(String.format(Locale.ROOT, "RESULT|%s|%s|%s|%s|%.3f|%.1f", c.op(), c.shape(), b.name(), c.dtype().id(), med,
                    c.flops() / (med * 1e-3) / 1e9));
        } catch (RuntimeException | OutOfMemoryError e) {
            System.out.println("ERROR|" + c.op() + "|" + c.shape() + "|" + b.name() + "|" + e);
        }
    }

    static Tensor rand(Backend b, DType d, long seed, int... shape) { return b.uniform(d, seed, 0, -1, 1, shape); }

    static Case gemm(Backend b, DType d, int m, int n, int k) {
        return new Case("matmul", m + "x" + k + "x" + n, d, 2.0 * m * n * k, () -> {
            Tensor x = rand(b, d, 1, m, k), y = rand(b, d, 2, k, n);
            return () -> b.matmul(x, y, false, false);
        });
    }

    static Case attention(Backend b, DType d, int batch, int heads, int lq, int lk, int dim) {
        return new Case("attention", batch + "x" + heads + "x" + lq + "x" + lk + "x" + dim, d, 4.0 * batch * heads * lq * lk * dim, () -> {
            Tensor q = rand(b, d, 3, batch, heads, lq, dim), k = rand(b, d, 4, batch, heads, lk, dim), v = rand(b, d, 5, batch, heads, lk, dim);
            double scale = 1 / Math.sqrt(dim);
            return () -> b.attention(q, k, v, null, scale, false);
        });
    }

    static Case conv3x3(Backend b, DType d, int n, int c, int h, int w, int o) {
        return new Case("conv2d3x3", n + "x" + c + "x" + h + "x" + w + "->" + o, d, 2.0 * n * o * h * w * c * 9, () -> {
            Tensor x = rand(b, d, 6, n, c, h, w), wt = rand(b, d, 7, o, c, 3, 3), bias = rand(b, d, 8, o);
            return () -> b.conv2d(x, wt, bias, Conv2dSpec.of(1, 1));
        });
    }

    /** The GPU shapes: 4096^3 and UNet GEMMs, SD attention (batch*heads 16, seq 4096, dims 40/64, 77 keys), UNet convs. */
    static List<Case> gpuCases(Backend b) {
        List<Case> cs = new ArrayList<>();
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            cs.add(gemm(b, d, 4096, 4096, 4096));
            cs.add(gemm(b, d, 8192, 1280, 320));   // UNet 64x64 latent, batch 2: tokens x ff/proj
            cs.add(gemm(b, d, 2048, 2560, 640));
            cs.add(gemm(b, d, 512, 5120, 1280));
        }
        for (DType d : new DType[] {DType.F32, DType.F16}) {
            cs.add(attention(b, d, 2, 8, 4096, 4096, 40));
            cs.add(attention(b, d, 2, 8, 4096, 4096, 64));
            cs.add(attention(b, d, 2, 8, 4096, 77, 40));
            cs.add(conv3x3(b, d, 2, 320, 64, 64, 320));
            cs.add(conv3x3(b, d, 2, 640, 32, 32, 640));
            cs.add(conv3x3(b, d, 2, 1280, 16, 16, 1280));
        }
        return cs;
    }

    /** Small shapes for PoCL vs the Java CPU backend on this 2-core machine. */
    static List<Case> cpuCases(Backend b) {
        return List.of(gemm(b, DType.F32, 512, 512, 512), attention(b, DType.F32, 1, 8, 256, 256, 64), attention(b, DType.F32, 1, 8, 256, 77, 40),
                conv3x3(b, DType.F32, 1, 64, 32, 32, 64));
    }
}
