package dev.unitune.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small GEMMs of F32 attention without packing: C[m x n] (+)= A B with A row-major (row stride ai) and
 * B row-major with n a multiple of the vector length (callers pad keys and head dims to whole vectors and
 * transpose A operands into scratch where needed). Attention's B operands (a head's K or V, or a block of
 * scores) are reused by every tile, so packing them per call, as a general GEMM must, cost about a quarter
 * of the time with 77 keys; here B is laid out once per head or block and A is broadcast straight from its
 * rows (indexed by the loop counter itself, so the JIT hoists A's bounds checks: about 25% faster).
 *
 * <p>Each C element is acc = fma(A[i][p], B[p][j], acc) for p = 0..k-1 in order from 0, then C = acc or
 * C + acc: the bits depend on nothing but the operands (not on m, n, tiling or threads).
 */
final class AttentionGemm {
    private AttentionGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 6;

    static void gemm(int m, int n, int k, float[] a, int aOff, int ai, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (n % L != 0) throw new IllegalArgumentException("attention gemm: n = " + n + " is not a multiple of " + L);
        if ((long) k * n <= B_IN_L1) { // all of B stays in L1: keep a tile of A rows in registers/L1 and sweep B
            int i = 0;
            for (; i + MR <= m; i += MR) panels(MR, n, k, a, aOff + i * ai, ai, b, bOff, ldb, c, cOff + i * ldc, ldc, accumulate);
            if (i < m) panels(m - i, n, k, a, aOff + i * ai, ai, b, bOff, ldb, c, cOff + i * ldc, ldc, accumulate);
            return;
        }
        // Column panels outer, row tiles inner: a k x 2L panel of B stays in L1 while A's rows stream by.
        for (int j = 0; j < n; j += 2 * L) {
            int w = Math.min(2 * L, n - j), i = 0;
            for (; i + MR <= m; i += MR) panels(MR, w, k, a, aOff + i * ai, ai, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, accumulate);
            if (i < m) panels(m - i, w, k, a, aOff + i * ai, ai, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, accumulate);
        }
    }

    /** B floats (k x n) that fit in L1 beside a tile of A: 4K floats = 16 KiB. */
    private static final long B_IN_L1 = 4096;

    /** Rows [0, rows) (at most MR) of C against columns [0, n) of B, in tiles of 2 vectors then 1. */
    private static void panels(int rows, int n, int k, float[] a, int ao, int ai, float[] b, int bo, int ldb,
                               float[] c, int co, int ldc, boolean accumulate) {
        int j = 0;
        if (rows == MR) {
            for (; j + 2 * L <= n; j += 2 * L) tile6x2(k, a, ao, ai, b, bo + j, ldb, c, co + j, ldc, accumulate);
            if (j < n) tile6x1(k, a, ao, ai, b, bo + j, ldb, c, co + j, ldc, accumulate);
            return;
        }
        int i = 0;
        if (rows >= 4) {
            for (j = 0; j + 2 * L <= n; j += 2 * L) tile4x2(k, a, ao, ai, b, bo + j, ldb, c, co + j, ldc, accumulate);
            for (; j < n; j += L) for (int r = 0; r < 4; r++) tile1x1(k, a, ao + r * ai, b, bo + j, ldb, c, co + r * ldc + j, accumulate);
            i = 4;
        }
        for (; i < rows; i++) {
            for (j = 0; j + 2 * L <= n; j += 2 * L) tile1x2(k, a, ao + i * ai, b, bo + j, ldb, c, co + i * ldc + j, accumulate);
            if (j < n) tile1x1(k, a, ao + i * ai, b, bo + j, ldb, c, co + i * ldc + j, accumulate);
        }
    }

    private static void tile4x2(int k, float[] a, int ao, int ai, float[] b, int bo, int ldb,
                                float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a1 = ao + ai, a2 = a1 + ai, a3 = a2 + ai;
        for (int p = 0; p < k; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        store(c, co, c00, accumulate); store(c, co + L, c01, accumulate);
        store(c, co + ldc, c10, accumulate); store(c, co + ldc + L, c11, accumulate);
        store(c, co + 2 * ldc, c20, accumulate); store(c, co + 2 * ldc + L, c21, accumulate);
        store(c, co + 3 * ldc, c30, accumulate); store(c, co + 3 * ldc + L, c31, accumulate);
    }

    private static void tile6x2(int k, float[] a, int ao, int ai, float[] b, int bo, int ldb,
                                float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = ao + ai, a2 = a1 + ai, a3 = a2 + ai, a4 = a3 + ai, a5 = a4 + ai;
        for (int p = 0; p < k; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        store(c, co, c00, accumulate); store(c, co + L, c01, accumulate);
        store(c, co + ldc, c10, accumulate); store(c, co + ldc + L, c11, accumulate);
        store(c, co + 2 * ldc, c20, accumulate); store(c, co + 2 * ldc + L, c21, accumulate);
        store(c, co + 3 * ldc, c30, accumulate); store(c, co + 3 * ldc + L, c31, accumulate);
        store(c, co + 4 * ldc, c40, accumulate); store(c, co + 4 * ldc + L, c41, accumulate);
        store(c, co + 5 * ldc, c50, accumulate); store(c, co + 5 * ldc + L, c51, accumulate);
    }

    private static void tile6x1(int k, float[] a, int ao, int ai, float[] b, int bo, int ldb,
                                float[] c, int co, int ldc, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        int a1 = ao + ai, a2 = a1 + ai, a3 = a2 + ai, a4 = a3 + ai, a5 = a4 + ai;
        for (int p = 0; p < k; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[ao + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b0, c5);
        }
        store(c, co, c0, accumulate);
        store(c, co + ldc, c1, accumulate);
        store(c, co + 2 * ldc, c2, accumulate);
        store(c, co + 3 * ldc, c3, accumulate);
        store(c, co + 4 * ldc, c4, accumulate);
        store(c, co + 5 * ldc, c5, accumulate);
    }

    private static void tile1x2(int k, float[] a, int ao, float[] b, int bo, int ldb, float[] c, int co, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int p = 0; p < k; p++, bo += ldb) {
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            c0 = x.fma(FloatVector.fromArray(S, b, bo), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bo + L), c1);
        }
        store(c, co, c0, accumulate);
        store(c, co + L, c1, accumulate);
    }

    private static void tile1x1(int k, float[] a, int ao, float[] b, int bo, int ldb, float[] c, int co, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S);
        for (int p = 0; p < k; p++, bo += ldb)
            c0 = FloatVector.broadcast(S, a[ao + p]).fma(FloatVector.fromArray(S, b, bo), c0);
        store(c, co, c0, accumulate);
    }

    private static void store(float[] c, int off, FloatVector v, boolean accumulate) {
        if (accumulate) v = FloatVector.fromArray(S, c, off).add(v);
        v.intoArray(c, off);
    }
}
