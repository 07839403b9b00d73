package dev.unitune.tensor.cpu.fast;

import static dev.unitune.tensor.cpu.fast.GemmKernel.MR;
import static dev.unitune.tensor.cpu.fast.GemmKernel.NR;

/**
 * The blocked GEMM driver (the Goto/BLIS loop nest). For each NC-wide column block of C and each
 * KC-deep slice of k: pack op(B)'s KC x NC block once (shared by the threads; it sits in L3), then each
 * task packs MC x KC blocks of op(A) (they sit in L2) and sweeps MR x NR tiles with the micro-kernel
 * (one packed B panel, 20 KiB at 256 bits, stays in L1 across a column of tiles).
 *
 * Determinism: every C element is sum over the KC slices in order of the in-order FMA sum within the
 * slice; tasks only decide who computes a tile, never how, so the bits do not depend on threads.
 */
final class PackedGemm {
    private PackedGemm() {}

    // KC: a 320 x NR packed B panel (20 KiB at 256 bits) still fits L1 beside an A panel (7.5 KiB), and the
    // UNet's k = 320 runs as one slice, so C is written once instead of written, read back and rewritten:
    // measured +6% on one thread for 4096x320x320 against KC = 256 (1024x640x640 +1.5%).
    static final int KC = 320;
    static final int MC = 120;           // multiple of MR: 120 x 320 floats = 150 KiB of packed A in L2
    static final int NC = 128 * NR;      // 2048 columns at 256 bits: a 2.5 MiB packed B block in L3

    /**
     * Depth of each k slice: k split into ceil(k / KC) equal slices (the last may be shorter), so k = 400
     * runs as 200 + 200 rather than 320 + 80, whose short slice would spend more on C than on FMAs.
     */
    static int sliceDepth(int k) {
        int slices = Math.max(1, ceilDiv(k, KC));
        return ceilDiv(k, slices);
    }

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[1][0]);

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, int threads) {
        gemm(transA, transB, m, n, k, a, aOff, lda, null, 0, b, bOff, ldb, beta, c, cOff, ldc, threads);
    }

    /**
     * As above; when packedA is non-null it holds all of op(A) in the layout of {@link #packAll} at
     * packedAOff, and a/aOff/lda are ignored (weights reused across calls are packed once).
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] packedA, int packedAOff, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, int threads) {
        if (k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        int depth = sliceDepth(k);
        float[] bp = packedBBuffer(depth * roundUp(Math.min(NC, n), NR));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int nPanels = ceilDiv(nc, NR);
            for (int pc = 0; pc < k; pc += depth) {
                final int kc = Math.min(depth, k - pc), p0 = pc, j0 = jc;
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
                    computeBlock(transA, a, aOff, lda, packedA, packedAOff + p0 * roundUp(m, MR), r0, r1, p0, kc,
                            bp, q0, q1, j0, nc, blockBeta, c, cOff, ldc);
                });
            }
        }
    }

    /** Rows [r0, r1) of C against B panels [q0, q1) of the packed block (block columns start at j0). */
    private static void computeBlock(boolean transA, float[] a, int aOff, int lda, float[] packedA, int packedBlockOff,
                                     int r0, int r1, int p0, int kc,
                                     float[] bp, int q0, int q1, int j0, int nc, float beta,
                                     float[] c, int cOff, int ldc) {
        float[] ap = packedA != null ? packedA : PACKED_A.get();
        float[] edge = EDGE.get();
        for (int ic = r0; ic < r1; ic += MC) {
            int mc = Math.min(MC, r1 - ic);
            int apBase = 0;
            if (packedA == null) GemmPacking.packA(transA, a, aOff, lda, ic, mc, p0, kc, MR, ap);
            else apBase = packedBlockOff + ic * kc; // ic is a multiple of MR: its panel starts here
            for (int q = q0; q < q1; q++) {
                int col = q * NR;
                int cols = Math.min(NR, nc - col);
                int bo = q * NR * kc;
                for (int ir = 0; ir < mc; ir += MR) {
                    int rows = Math.min(MR, mc - ir);
                    GemmKernel.kernel(kc, ap, apBase + ir * kc, bp, bo, c, cOff + (ic + ir) * ldc + j0 + col, ldc,
                            beta, rows, cols, edge);
                }
            }
        }
    }

    /** Floats needed by {@link #packAll} for an m x k op(A). */
    static long packedSize(int m, int k) { return (long) roundUp(m, MR) * k; }

    /**
     * Packs all of op(A) once: for each k slice of {@link #sliceDepth} (in order), the MR-row panels of every row, each panel
     * as in {@link GemmPacking#packA}. Slice pc starts at pc * roundUp(m, MR); row panel i0 of the slice
     * at i0 * kc after that.
     */
    static void packAll(boolean transA, int m, int k, float[] a, int aOff, int lda, float[] dst, int dstOff) {
        int mPad = roundUp(m, MR);
        int depth = sliceDepth(k);
        float[] tmp = new float[depth * mPad];
        for (int pc = 0; pc < k; pc += depth) {
            int kc = Math.min(depth, k - pc);
            GemmPacking.packA(transA, a, aOff, lda, 0, m, pc, kc, MR, tmp);
            System.arraycopy(tmp, 0, dst, dstOff + pc * mPad, kc * mPad);
        }
    }

    /** Index of op(A)[i][p] inside a {@link #packAll} layout (for writers that build it directly). */
    static int packedIndex(int m, int k, int i, int p) {
        int depth = sliceDepth(k);
        int pc = p / depth * depth, kc = Math.min(depth, k - pc);
        return pc * roundUp(m, MR) + (i / MR) * MR * kc + (p - pc) * MR + i % MR;
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
