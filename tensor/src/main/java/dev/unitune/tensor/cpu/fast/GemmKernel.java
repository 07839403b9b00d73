package dev.unitune.tensor.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel: a 6 x (2 vectors) tile of C held in 12 vector registers while it
 * streams a packed A panel (6 values per step) and a packed B panel (2 vectors per step). 12 independent
 * FMA chains hide the FMA latency on both 256-bit (16 registers) and 512-bit machines. Each C element is
 * the in-order sum over p of its products (one FMA each), so the result depends only on the blocking
 * over k, never on the thread count.
 */
final class GemmKernel {
    private GemmKernel() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int MR = 6;
    static final int NR = 2 * L;

    /**
     * C[6 x NR tile at cOff] = acc + beta * C (beta == 0: C is not read). rows/cols give the valid part of
     * the tile at C's edges; the full-tile case stores straight from registers.
     */
    static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int cOff, int ldc,
                       float beta, int rows, int cols, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            ao += MR;
            bo += NR;
        }
        if (rows == MR && cols == NR) {
            store(c, cOff, c00, c01, beta);
            store(c, cOff + ldc, c10, c11, beta);
            store(c, cOff + 2 * ldc, c20, c21, beta);
            store(c, cOff + 3 * ldc, c30, c31, beta);
            store(c, cOff + 4 * ldc, c40, c41, beta);
            store(c, cOff + 5 * ldc, c50, c51, beta);
            return;
        }
        c00.intoArray(edge, 0); c01.intoArray(edge, L);
        c10.intoArray(edge, NR); c11.intoArray(edge, NR + L);
        c20.intoArray(edge, 2 * NR); c21.intoArray(edge, 2 * NR + L);
        c30.intoArray(edge, 3 * NR); c31.intoArray(edge, 3 * NR + L);
        c40.intoArray(edge, 4 * NR); c41.intoArray(edge, 4 * NR + L);
        c50.intoArray(edge, 5 * NR); c51.intoArray(edge, 5 * NR + L);
        for (int r = 0; r < rows; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < cols; j++) {
                float acc = edge[r * NR + j];
                // Same operation as the vector path (one fused multiply-add), so edges round alike.
                c[row + j] = beta == 0f ? acc : Math.fma(c[row + j], beta, acc);
            }
        }
    }

    private static void store(float[] c, int off, FloatVector v0, FloatVector v1, float beta) {
        if (beta != 0f) {
            FloatVector vb = FloatVector.broadcast(S, beta);
            v0 = FloatVector.fromArray(S, c, off).fma(vb, v0);
            v1 = FloatVector.fromArray(S, c, off + L).fma(vb, v1);
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }
}
