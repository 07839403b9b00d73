package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;

import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Runs every fast kernel once on fixed small inputs and prints a CRC of all output bits. The
 * reproducibility test compares this value from a C2-warmed JVM with one from an interpreter-only
 * child JVM (-Xint), and across thread counts.
 */
public final class ReproducibilityProbe {
    private ReproducibilityProbe() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--warm")) warmUp();
        System.out.println("fingerprint " + fingerprint());
    }

    /**
     * Calls the kernels often enough for C2 to compile them with the Vector API intrinsics (tens of
     * thousands of calls and loop trips), so a fingerprint taken afterwards comes from compiled code.
     */
    static void warmUp() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] row = Naive.random(rnd, 1031), y = new float[row.length], st = new float[1];
        for (int i = 0; i < 15_000; i++) {
            VecKernels.softmaxRows(row, 0, y, 0, 1, 1031);
            VecKernels.logSoftmaxRows(row, 0, y, 0, 1, 1031);
            VecKernels.normalizeRows(row, 0, y, 0, 1, 1031, 1e-5, st, st);
        }
        float[] a = Naive.random(rnd, 64 * 64), c = new float[64 * 64];
        for (int i = 0; i < 6_000; i++) Sgemm.gemm(false, false, 64, 64, 64, a, 0, 64, a, 0, 64, 0.5f, c, 0, 64);
        float[] img = Naive.random(rnd, 16 * 8 * 8), w = Naive.random(rnd, 16 * 16 * 9);
        for (int i = 0; i < 3_000; i++) {
            FastConv2d.forward(img, 1, 16, 8, 8, w, 16, 3, 3, null, Conv2dSpec.of(1, 1));
            FastConv2d.backwardWeight(img, img, 1, 16, 8, 8, 16, 3, 3, Conv2dSpec.of(1, 1));
        }
    }

    static long fingerprint() {
        return fingerprint(false);
    }

    /** large: add work big enough to be split over threads (too slow for the interpreter). */
    static long fingerprint(boolean large) {
        SplittableRandom rnd = new SplittableRandom(99);
        CRC32 crc = new CRC32();
        if (large) {
            int m = 301, n = 203, k = 700;
            float[] a = Naive.random(rnd, m * k), b = Naive.random(rnd, k * n), c = new float[m * n];
            Sgemm.gemm(true, false, m, n, k, a, 0, m, b, 0, n, 0f, c, 0, n);
            add(crc, c);
            float[] cb = new float[4 * 64 * 200];
            Sgemm.gemmBatched(4, false, false, 64, 200, 100, a, 0, 100, 6400, b, 0, 200, 20000, 0f, cb, 0, 200, 12800);
            add(crc, cb);
            float[] rows = Naive.random(rnd, 64 * 3000), y = new float[rows.length];
            VecKernels.softmaxRows(rows, 0, y, 0, 64, 3000);
            add(crc, y);
            VecKernels.normalizeRows(rows, 0, y, 0, 64, 3000, 1e-5, null, null);
            add(crc, y);
            float[] img = Naive.random(rnd, 2 * 32 * 40 * 40), w = Naive.random(rnd, 48 * 32 * 9);
            add(crc, FastConv2d.forward(img, 2, 32, 40, 40, w, 48, 3, 3, null, Conv2dSpec.of(1, 1)));
            add(crc, FastConv2d.forward(img, 2, 32, 40, 40, w, 48, 3, 3, null, Conv2dSpec.of(2, 1)));
        }
        // GEMM large enough for the packed, blocked path (k spans two KC slices), with edges and beta.
        int m = 13, n = 2 * GemmKernel.NR + 3, k = PackedGemm.KC + 9;
        float[] a = Naive.random(rnd, m * k), b = Naive.random(rnd, k * n), c = Naive.random(rnd, m * n);
        Sgemm.gemm(false, true, m, n, k, a, 0, k, b, 0, k, 0.5f, c, 0, n);
        add(crc, c);
        float[] cb = new float[2 * 7 * 9];
        Sgemm.gemmBatched(2, true, false, 7, 9, 31, a, 0, 7, 7 * 31, b, 0, 9, 0, 0f, cb, 0, 9, 63);
        add(crc, cb);
        // Row kernels with vector bodies and scalar tails.
        float[] x = Naive.random(rnd, 3 * 37);
        for (int i = 0; i < x.length; i++) x[i] *= 20;
        float[] y = new float[x.length];
        VecKernels.softmaxRows(x, 0, y, 0, 3, 37);
        add(crc, y);
        VecKernels.logSoftmaxRows(x, 0, y, 0, 3, 37);
        add(crc, y);
        float[] mean = new float[3], rstd = new float[3];
        VecKernels.normalizeRows(x, 0, y, 0, 3, 37, 1e-5, mean, rstd);
        add(crc, y);
        add(crc, mean);
        add(crc, rstd);
        // Winograd conv forward and both gradients, im2col conv forward and weight gradient.
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        float[] img = Naive.random(rnd, 16 * 5 * 6), w = Naive.random(rnd, 16 * 16 * 9);
        float[] out = FastConv2d.forward(img, 1, 16, 5, 6, w, 16, 3, 3, null, s);
        add(crc, out);
        add(crc, FastConv2d.backwardInput(out, 1, 16, 5, 6, w, 16, 3, 3, s));
        add(crc, FastConv2d.backwardWeight(out, img, 1, 16, 5, 6, 16, 3, 3, s));
        Conv2dSpec s2 = Conv2dSpec.of(2, 1);
        float[] w2 = Naive.random(rnd, 4 * 16 * 9);
        float[] out2 = FastConv2d.forward(img, 1, 16, 5, 6, w2, 4, 3, 3, null, s2);
        add(crc, out2);
        add(crc, FastConv2d.backwardWeight(out2, img, 1, 16, 5, 6, 4, 3, 3, s2));
        return crc.getValue();
    }

    private static void add(CRC32 crc, float[] v) {
        for (float f : v) {
            int bits = Float.floatToRawIntBits(f);
            crc.update(bits);
            crc.update(bits >>> 8);
            crc.update(bits >>> 16);
            crc.update(bits >>> 24);
        }
    }
}
