package dev.unitune.tensor.cpu;

import dev.unitune.tensor.*;
import dev.unitune.tensor.cpu.fast.Threads;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The F32 attention kernels pad keys and head dims to whole vectors and use their own GEMM tiles: check key
 * counts around the vector length (1, 7, 8, 9, 17, 77), head dims that are not vector multiples, more than
 * 256 keys, a mask that hides whole rows, and causal masking with Lq != Lk against the F64 reference; and
 * that the bits do not depend on the thread count.
 */
class AttentionPaddingTest {
    private static final CpuBackend CPU = CpuBackend.instance();

    @Test
    void matchesDoubleReferenceAcrossPaddings() {
        int[][] cases = { // lq, lk, d, dv
                {5, 1, 3, 2}, {13, 7, 8, 5}, {9, 8, 16, 16}, {20, 9, 5, 11}, {11, 17, 40, 40}, {31, 77, 40, 40}, {7, 300, 12, 9}};
        long seed = 10;
        for (int[] c : cases)
            for (int variant = 0; variant < 3; variant++) {
                int lq = c[0], lk = c[1], d = c[2], dv = c[3];
                Tensor q = CPU.normal(DType.F32, seed++, 0, 0, 1, 2, 3, lq, d), k = CPU.normal(DType.F32, seed++, 0, 0, 1, 2, 3, lk, d);
                Tensor v = CPU.normal(DType.F32, seed++, 0, 0, 1, 2, 3, lk, dv), gy = CPU.normal(DType.F32, seed++, 0, 0, 1, 2, 3, lq, dv);
                Tensor mask = null;
                boolean causal = variant == 1;
                if (variant == 2) { // BOOL mask [B, 1, Lq, Lk]: row 1 hides every key, the others hide key 0
                    byte[] m = new byte[2 * lq * lk];
                    for (int b = 0; b < 2; b++)
                        for (int i = 0; i < lq; i++)
                            for (int j = 0; j < lk; j++) m[(b * lq + i) * lk + j] = (byte) (i == 1 || (j == 0 && lk > 1) ? 0 : 1);
                    mask = CPU.fromHost(m, DType.BOOL, 2, 1, lq, lk);
                }
                double scale = 1 / Math.sqrt(Math.max(1, d));
                String what = "lq " + lq + " lk " + lk + " d " + d + " dv " + dv + " variant " + variant;
                AttentionResult r = CPU.attention(q, k, v, mask, scale, causal);
                AttentionGrads g = CPU.attentionBackward(gy, q, k, v, r.output(), r.logSumExp(), mask, scale, causal);
                AttentionResult r64 = CPU.attention(q.to(DType.F64), k.to(DType.F64), v.to(DType.F64), mask, scale, causal);
                AttentionGrads g64 = CPU.attentionBackward(gy.to(DType.F64), q.to(DType.F64), k.to(DType.F64), v.to(DType.F64),
                        r64.output(), r64.logSumExp(), mask, scale, causal);
                int red = lq + lk + d + dv; // the longest chain of float roundings any output goes through
                assertClose(r64.output().toDoubleArray(), r.output().toDoubleArray(), red, what + " output");
                assertClose(r64.logSumExp().toDoubleArray(), r.logSumExp().toDoubleArray(), red, what + " logSumExp");
                assertClose(g64.gradQ().toDoubleArray(), g.gradQ().toDoubleArray(), red, what + " dQ");
                assertClose(g64.gradK().toDoubleArray(), g.gradK().toDoubleArray(), red, what + " dK");
                assertClose(g64.gradV().toDoubleArray(), g.gradV().toDoubleArray(), red, what + " dV");
                if (variant == 2) { // the fully hidden row: output 0 and logSumExp -inf
                    float[] out = r.output().toFloatArray(), lse = r.logSumExp().toFloatArray();
                    for (int c2 = 0; c2 < dv; c2++) assertEquals(0f, out[dv + c2], what);
                    assertEquals(Float.NEGATIVE_INFINITY, lse[1], what);
                }
            }
    }

    @Test
    void bitsDoNotDependOnThreadCount() {
        Tensor q = CPU.normal(DType.F32, 1, 0, 0, 1, 2, 4, 100, 40), k = CPU.normal(DType.F32, 2, 0, 0, 1, 2, 4, 77, 40);
        Tensor v = CPU.normal(DType.F32, 3, 0, 0, 1, 2, 4, 77, 40), gy = CPU.normal(DType.F32, 4, 0, 0, 1, 2, 4, 100, 40);
        int original = Threads.count();
        float[][] one, three;
        try {
            Threads.setCount(1);
            one = run(q, k, v, gy);
            Threads.setCount(3);
            three = run(q, k, v, gy);
        } finally {
            Threads.setCount(original);
        }
        for (int i = 0; i < one.length; i++) assertArrayEquals(one[i], three[i], "result " + i);
    }

    private static float[][] run(Tensor q, Tensor k, Tensor v, Tensor gy) {
        AttentionResult r = CPU.attention(q, k, v, null, 0.158, false);
        AttentionGrads g = CPU.attentionBackward(gy, q, k, v, r.output(), r.logSumExp(), null, 0.158, false);
        return new float[][] {r.output().toFloatArray(), r.logSumExp().toFloatArray(), g.gradQ().toFloatArray(),
                g.gradK().toFloatArray(), g.gradV().toFloatArray()};
    }

    /**
     * Float32 error bound: each output is a chain of at most k roundings (GEMM sums, the softmax sum, exp at
     * 1-2 ulp), so its error is within a few gamma_k = k u / (1 - k u) of the largest magnitude involved; the
     * array's largest reference value stands for that magnitude, plus torch's float32 assert_close defaults.
     */
    private static void assertClose(double[] want, double[] got, int k, String what) {
        assertEquals(want.length, got.length, what);
        double gamma = k * 0x1p-24 / (1 - k * 0x1p-24);
        double scale = 0;
        for (double w : want) if (Double.isFinite(w)) scale = Math.max(scale, Math.abs(w));
        for (int i = 0; i < want.length; i++) {
            if (Double.isInfinite(want[i])) {
                assertEquals(want[i], got[i], what + " element " + i);
                continue;
            }
            assertEquals(want[i], got[i], 1e-5 + 1.3e-6 * Math.abs(want[i]) + 4 * gamma * scale, what + " element " + i);
        }
    }
}
