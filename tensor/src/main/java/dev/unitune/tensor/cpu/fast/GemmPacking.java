package dev.unitune.tensor.cpu.fast;

import jdk.incubator.vector.FloatVector;

/**
 * Packs blocks of A and B into the layouts the micro-kernel streams through, padding partial panels
 * with zeros so the kernel never needs an edge case in its inner loop.
 *
 * Packed A: panels of MR rows; inside a panel, for each p the MR values A[i0+r][p] are consecutive.
 * Packed B: panels of NR columns; inside a panel, for each p the NR values B[p][j0+j] are consecutive.
 */
final class GemmPacking {
    private GemmPacking() {}

    /** Packs rows [i0, i0+rows) x depth [p0, p0+kc) of op(A) into ap (at 0), MR-row panels. */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows, int p0, int kc, int mr, float[] ap) {
        int dst = 0;
        for (int r0 = 0; r0 < rows; r0 += mr) {
            int h = Math.min(mr, rows - r0);
            if (!transA) {
                // A[i][p] at aOff + i*lda + p: walk each of the panel's rows, scatter with stride mr.
                for (int r = 0; r < h; r++) {
                    int src = aOff + (i0 + r0 + r) * lda + p0;
                    int d = dst + r;
                    for (int p = 0; p < kc; p++, d += mr) ap[d] = a[src + p];
                }
                for (int r = h; r < mr; r++) {
                    int d = dst + r;
                    for (int p = 0; p < kc; p++, d += mr) ap[d] = 0f;
                }
            } else {
                // op(A)[i][p] = A[p][i] at aOff + p*lda + i: each p gives h consecutive values.
                // Element loops, not System.arraycopy: copies of 6 floats cost more in call overhead than work.
                int d = dst;
                for (int p = 0; p < kc; p++, d += mr) {
                    int src = aOff + (p0 + p) * lda + i0 + r0;
                    for (int r = 0; r < h; r++) ap[d + r] = a[src + r];
                    for (int r = h; r < mr; r++) ap[d + r] = 0f;
                }
            }
            dst += mr * kc;
        }
    }

    /** Packs depth [p0, p0+kc) x columns [j0, j0+cols) of op(B) into bp at bpOff, NR-column panels. */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int cols, int nr, float[] bp, int bpOff) {
        int dst = bpOff;
        for (int c0 = 0; c0 < cols; c0 += nr) {
            int w = Math.min(nr, cols - c0);
            if (!transB) {
                int d = dst;
                if (w == nr && nr % GemmKernel.L == 0) {
                    // Full panel: each p is nr consecutive floats, copied as whole vectors.
                    for (int p = 0; p < kc; p++, d += nr) {
                        int src = bOff + (p0 + p) * ldb + j0 + c0;
                        for (int j = 0; j < nr; j += GemmKernel.L)
                            FloatVector.fromArray(GemmKernel.S, b, src + j).intoArray(bp, d + j);
                    }
                } else {
                    for (int p = 0; p < kc; p++, d += nr) {
                        int src = bOff + (p0 + p) * ldb + j0 + c0;
                        for (int j = 0; j < w; j++) bp[d + j] = b[src + j];
                        for (int j = w; j < nr; j++) bp[d + j] = 0f;
                    }
                }
            } else {
                // op(B)[p][j] = B[j][p] at bOff + j*ldb + p.
                for (int j = 0; j < w; j++) {
                    int src = bOff + (j0 + c0 + j) * ldb + p0;
                    int d = dst + j;
                    for (int p = 0; p < kc; p++, d += nr) bp[d] = b[src + p];
                }
                for (int j = w; j < nr; j++) {
                    int d = dst + j;
                    for (int p = 0; p < kc; p++, d += nr) bp[d] = 0f;
                }
            }
            dst += nr * kc;
        }
    }
}
