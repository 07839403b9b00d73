package dev.unitune.tensor.cpu.fast;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SgemmTest {
    /** float32 unit roundoff. */
    static final double U = 0x1p-24;

    /**
     * Worst-case bound for a float sum of k products plus beta*c (each FMA/add rounds once):
     * |err| <= (k + 2) u * sum |a b| (Higham, recursive summation), plus a tiny absolute term for
     * results that underflow. A wrong index or a missed term is off by O(sum |a b|), far above it.
     */
    static void assertClose(double[] expected, double[] bound, float[] c, int cOff, int ldc, int m, int n, int k, String what) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double e = expected[i * n + j], tol = (k + 2) * U * bound[i * n + j] + 1e-30;
                float got = c[cOff + i * ldc + j];
                if (!(Math.abs(got - e) <= tol))
                    fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + e + " (tolerance " + tol + ")");
            }
    }

    static void check(SplittableRandom rnd, boolean ta, boolean tb, int m, int n, int k, int padA, int padB, int padC, float beta) {
        int rowsA = ta ? k : m, colsA = ta ? m : k, rowsB = tb ? n : k, colsB = tb ? k : n;
        int lda = colsA + padA, ldb = colsB + padB, ldc = n + padC;
        int aOff = 3, bOff = 5, cOff = 7;
        float[] a = Naive.random(rnd, aOff + rowsA * lda + 2);
        float[] b = Naive.random(rnd, bOff + rowsB * ldb + 2);
        float[] c = Naive.random(rnd, cOff + m * ldc + 2);
        if (beta == 0f) for (int i = 0; i < c.length; i++) if (i % 3 == 0) c[i] = Float.NaN; // must not leak
        float[] original = c.clone();
        double[] bound = new double[m * n];
        double[] expected = Naive.gemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, beta == 0 ? new float[c.length] : c, cOff, ldc, bound);
        Sgemm.gemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        String what = "gemm ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + k + " beta=" + beta;
        assertClose(expected, bound, c, cOff, ldc, m, n, k, what);
        // Nothing outside the m x n window of C may change (padding columns, before and after).
        for (int i = 0; i < c.length; i++) {
            int rel = i - cOff, row = Math.floorDiv(rel, ldc), col = Math.floorMod(rel, ldc);
            boolean inside = rel >= 0 && row < m && col < n;
            if (!inside) assertEquals(Float.floatToRawIntBits(original[i]), Float.floatToRawIntBits(c[i]), what + ": wrote outside C at " + i);
        }
    }

    @Test
    void matchesDoubleReferenceOnOddSizesTransposesPaddingAndBeta() {
        SplittableRandom rnd = new SplittableRandom(42);
        int[][] sizes = {{1, 1, 1}, {1, 17, 3}, {13, 1, 9}, {7, 5, 0}, {31, 33, 35}, {64, 48, 16}, {65, 97, 130}, {5, 300, 7}, {200, 9, 300}};
        for (int[] s : sizes)
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    for (float beta : new float[] {0f, 1f, -0.5f})
                        check(rnd, ta, tb, s[0], s[1], s[2], rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3), beta);
    }

    @Test
    void matchesDoubleReferenceOnSizesThatSpanSeveralBlocks() {
        SplittableRandom rnd = new SplittableRandom(7);
        check(rnd, false, false, 301, 517, 413, 1, 0, 3, 0f);
        check(rnd, true, false, 257, 130, 600, 0, 2, 0, 1f);
        check(rnd, false, true, 100, 777, 129, 0, 0, 0, 0.25f);
        check(rnd, true, true, 129, 261, 257, 1, 1, 1, 0f);
    }

    @Test
    void batchedMatchesPerMatrixCallsAndBroadcastsStrideZero() {
        SplittableRandom rnd = new SplittableRandom(3);
        int batch = 3, m = 19, n = 23, k = 29;
        float[] a = Naive.random(rnd, batch * m * k);
        float[] b = Naive.random(rnd, n * k); // shared by every batch entry, stored n x k (transB)
        float[] c = Naive.random(rnd, batch * m * n);
        float[] expectedC = c.clone();
        for (int i = 0; i < batch; i++)
            Sgemm.gemm(false, true, m, n, k, a, i * m * k, k, b, 0, k, 0.5f, expectedC, i * m * n, n);
        Sgemm.gemmBatched(batch, false, true, m, n, k, a, 0, k, (long) m * k, b, 0, k, 0, 0.5f, c, 0, n, (long) m * n);
        assertArrayEquals(expectedC, c);
        // and the values themselves against the double reference
        for (int i = 0; i < batch; i++) {
            double[] bound = new double[m * n];
            float[] c0 = Naive.random(new SplittableRandom(3), 1); // unused: beta path checked above
            double[] e = Naive.gemm(false, true, m, n, k, a, i * m * k, k, b, 0, k, 0f, c0, 0, n, bound);
            float[] single = new float[m * n];
            Sgemm.gemm(false, true, m, n, k, a, i * m * k, k, b, 0, k, 0f, single, 0, n);
            assertClose(e, bound, single, 0, n, m, n, k, "batch " + i);
        }
    }

    @Test
    void sameCallTwiceGivesIdenticalBits() {
        SplittableRandom rnd = new SplittableRandom(11);
        int m = 150, n = 333, k = 270;
        float[] a = Naive.random(rnd, m * k), b = Naive.random(rnd, k * n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        Sgemm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c1, 0, n);
        for (int rep = 0; rep < 3; rep++) {
            Arrays.fill(c2, 0f);
            Sgemm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c2, 0, n);
            assertArrayEquals(c1, c2);
        }
    }

    @Test
    void prepackedAGivesTheSameBitsAndPackedIndexMatchesPackAll() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (boolean ta : new boolean[] {false, true}) {
            int m = 47, n = 70, k = 2 * PackedGemm.KC + 37; // three k slices, a partial row panel
            float[] a = Naive.random(rnd, m * k), b = Naive.random(rnd, k * n);
            int lda = ta ? m : k;
            float[] packed = new float[(int) PackedGemm.packedSize(m, k) + 5];
            PackedGemm.packAll(ta, m, k, a, 0, lda, packed, 5);
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p += 7)
                    assertEquals(ta ? a[p * m + i] : a[i * k + p], packed[5 + PackedGemm.packedIndex(m, k, i, p)]);
            float[] c1 = new float[m * n], c2 = new float[m * n];
            PackedGemm.gemm(ta, false, m, n, k, a, 0, lda, b, 0, n, 0f, c1, 0, n, 2);
            PackedGemm.gemm(ta, false, m, n, k, null, 0, 0, packed, 5, b, 0, n, 0f, c2, 0, n, 2);
            assertArrayEquals(c1, c2);
        }
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        var e = assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, 0f, c, 1, 2));
        assertTrue(e.getMessage().contains("matrix C"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().contains("leading dimension of A"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
        // batched: the last matrix of C runs past the array; nothing may be written before the error
        float[] cb = new float[7];
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.gemmBatched(2, false, false, 1, 2, 3, a, 0, 3, 3, b, 0, 2, 0,
                0f, cb, 0, 2, 6));
        assertTrue(e.getMessage().contains("matrix C"), e.getMessage());
        assertArrayEquals(new float[7], cb);
        e = assertThrows(IllegalArgumentException.class, () -> Sgemm.gemmBatched(2, false, false, 1, 2, 3, a, 0, 3, 3, b, 0, 2, 0,
                0f, cb, 0, 2, 0));
        assertTrue(e.getMessage().contains("sC is 0"), e.getMessage());
    }
}
