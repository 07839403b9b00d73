package dev.unitune.bench;

import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.cpu.fast.FastConv2d;
import dev.unitune.tensor.cpu.fast.Sgemm;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One row of `unitune bench kernels`: a shape, its FLOP count, how to run it on our kernels and the
 * request line its peer process understands. Conv FLOPs are counted as direct convolution
 * (2 O C kh kw OH OW) for us and the peer alike, so the ratio is the ratio of times.
 */
public sealed interface KernelCase permits KernelCase.Gemm, KernelCase.Conv {
    String name();

    double flops();

    /** Allocates inputs and returns the timed action (inputs are reused across calls). */
    Runnable prepare();

    /** The peer's request for this case, given repetitions. */
    String peerRequest(int reps);

    /** C[batch][m x n] = A[batch][m x k] * B[batch][k x n]. */
    record Gemm(String name, int batch, int m, int n, int k) implements KernelCase {
        public double flops() { return 2.0 * batch * m * n * k; }

        public Runnable prepare() {
            SplittableRandom rnd = new SplittableRandom(1);
            float[] a = random(rnd, (long) batch * m * k), b = random(rnd, (long) batch * k * n);
            float[] c = new float[Math.toIntExact((long) batch * m * n)];
            if (batch == 1) return () -> Sgemm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n);
            return () -> Sgemm.gemmBatched(batch, false, false, m, n, k, a, 0, k, (long) m * k, b, 0, n, (long) k * n,
                    0f, c, 0, n, (long) m * n);
        }

        public String peerRequest(int reps) { return "gemm " + batch + " " + m + " " + n + " " + k + " " + reps; }
    }

    /** conv2d (n, c, h, w) -> o with a kh x kw kernel, bias, stride and padding. */
    record Conv(String name, int n, int c, int h, int w, int o, int kh, int kw, int stride, int pad) implements KernelCase {
        public double flops() {
            Conv2dSpec s = Conv2dSpec.of(stride, pad);
            return 2.0 * n * o * c * kh * kw * s.outH(h, kh) * s.outW(w, kw);
        }

        public Runnable prepare() {
            SplittableRandom rnd = new SplittableRandom(2);
            float[] x = random(rnd, (long) n * c * h * w), weight = random(rnd, (long) o * c * kh * kw), bias = random(rnd, o);
            for (int i = 0; i < weight.length; i++) weight[i] *= 0.01f;
            Conv2dSpec s = Conv2dSpec.of(stride, pad);
            return () -> FastConv2d.forward(x, n, c, h, w, weight, o, kh, kw, bias, s);
        }

        public String peerRequest(int reps) {
            return "conv " + n + " " + c + " " + h + " " + w + " " + o + " " + kh + " " + kw + " " + stride + " " + pad + " " + reps;
        }
    }

    /** The table of the issue: SGEMM 1024^3, 2048^3, the UNet shapes; conv2d 3x3 pad 1 at the UNet shapes. */
    static List<KernelCase> standard() {
        return List.of(
                new Gemm("sgemm 1024x1024x1024", 1, 1024, 1024, 1024),
                new Gemm("sgemm 2048x2048x2048", 1, 2048, 2048, 2048),
                new Gemm("sgemm 4096x320x320", 1, 4096, 320, 320),
                new Gemm("sgemm 1024x640x640", 1, 1024, 640, 640),
                new Gemm("sgemm 4096x320x1280", 1, 4096, 320, 1280),
                new Gemm("bmm 8x(4096x40 @ 40x4096)", 8, 4096, 4096, 40),
                new Conv("conv2d (1,320,64,64)->320", 1, 320, 64, 64, 320, 3, 3, 1, 1),
                new Conv("conv2d (1,640,32,32)->640", 1, 640, 32, 32, 640, 3, 3, 1, 1),
                new Conv("conv2d (1,1280,16,16)->1280", 1, 1280, 16, 16, 1280, 3, 3, 1, 1),
                new Conv("conv2d (1,64,64,64)->64", 1, 64, 64, 64, 64, 3, 3, 1, 1));
    }

    private static float[] random(SplittableRandom rnd, long n) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
        return a;
    }
}
