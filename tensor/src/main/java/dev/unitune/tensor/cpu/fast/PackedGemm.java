package dev.unitune.tensor.cpu.fast;

import static dev.unitune.tensor.cpu.fast.GemmKernel.MR;
import static dev.unitune.tensor.cpu.fast.GemmKernel.NR;

/**
 * The blocked GEMM driver (the Goto/BLIS loop nest). For each NC-wide column block of C and each
 * KC-deep slice of k: pack op(B)'s KC x NC block once (shared by the threads; it sits in L3), then each
 * task packs MC x KC blocks of op(A) (they sit in L2) and sweeps MR x NR tiles with the micro-kernel
 * (one packed B panel, 16 KiB at 256 bits, stays in L1 across a column of tiles).
 *
 * Determinism: every C element is sum over the KC slices in order of the in-order FMA sum within the
 * slice; tasks only decide who computes a tile, never how, so the bits do not depend on threads.
 */
final class PackedGemm {
    private PackedGemm() {}

    static final int KC = 256;
    static final int MC = 120;           // multiple of MR: 120 x 256 floats = 120 KiB of packed A in L2
    static final int NC = 128 * NR;      // 2048 columns at 256 bits: a 2 MiB packed B block in L3

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[1][0]);

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, int threads) {
        if (k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        float[] bp = packedBBuffer(Math.min(KC, k) * roundUp(Math.min(NC, n), NR));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int nPanels = ceilDiv(nc, NR);
            for (int pc = 0; pc < k; pc += KC) {
                final int kc = Math.min(KC, k - pc), p0 = pc, j0 = jc;
                final float blockBeta = pc == 0 ? beta : 1f;
                // Pack B's block, split into panel ranges over the threads.
                int packParts = threads > 1 ? Math.min(threads, nPanels) : 1;
                Threads.parallelFor(packParts, part -> {
                    int q0 = nPanels * part / packParts, q1 = nPanels * (part + 1) / packParts;
                    int cols = Math.min(nc, q1 * NR) - q0 * NR;
                    GemmPacking.packB(transB, b, bOff, ldb, p0, kc, j0 + q0 * NR, cols, NR, bp, q0 * NR * kc);
                });
                // Tasks: a grid of M-panel ranges x N-panel ranges.
                int mPanels = ceilDiv(m, MR);
                int pm = threads == 1 ? 1 : Math.min(mPanels, roundUp(ceilDiv(m, MC), threads));
                int pn = threads == 1 || pm >= threads ? 1 : Math.min(nPanels, ceilDiv(2 * threads, pm));
                final int gridM = pm, gridN = pn;
                Threads.parallelFor(gridM * gridN, task -> {
                    int tm = task / gridN, tn = task % gridN;
                    int r0 = mPanels * tm / gridM * MR, r1 = Math.min(m, mPanels * (tm + 1) / gridM * MR);
                    int q0 = nPanels * tn / gridN, q1 = nPanels * (tn + 1) / gridN;
                    computeBlock(transA, a, aOff, lda, r0, r1, p0, kc, bp, q0, q1, j0, nc, blockBeta, c, cOff, ldc);
                });
            }
        }
    }

    /** Rows [r0, r1) of C against B panels [q0, q1) of the packed block (block columns start at j0). */
    private static void computeBlock(boolean transA, float[] a, int aOff, int lda, int r0, int r1, int p0, int kc,
                                     float[] bp, int q0, int q1, int j0, int nc, float beta,
                                     float[] c, int cOff, int ldc) {
        float[] ap = PACKED_A.get();
        float[] edge = EDGE.get();
        for (int ic = r0; ic < r1; ic += MC) {
            int mc = Math.min(MC, r1 - ic);
            GemmPacking.packA(transA, a, aOff, lda, ic, mc, p0, kc, MR, ap);
            for (int q = q0; q < q1; q++) {
                int col = q * NR;
                int cols = Math.min(NR, nc - col);
                int bo = q * NR * kc;
                for (int ir = 0; ir < mc; ir += MR) {
                    int rows = Math.min(MR, mc - ir);
                    GemmKernel.kernel(kc, ap, ir * kc, bp, bo, c, cOff + (ic + ir) * ldc + j0 + col, ldc,
                            beta, rows, cols, edge);
                }
            }
        }
    }

    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[row + j] = beta == 0f ? 0f : beta * c[row + j];
        }
    }

    private static float[] packedBBuffer(int size) {
        float[][] holder = PACKED_B.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
