package dev.unitune.tensor.cpu;

import dev.unitune.tensor.AttentionGrads;
import dev.unitune.tensor.AttentionResult;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * Scaled-dot-product attention, forward and backward, per (batch, head):
 * S = q k^T * scale + mask (causal hides j > i), P = softmax(S) row-wise, out = P v; logSumExp[i] =
 * log sum_j exp(S_ij) (-inf for a row with every key hidden, whose output is 0).
 * Backward recomputes P = exp(S - logSumExp) and uses dV = P^T dO, dP = dO v^T,
 * dS = P * (dP - rowsum(dO * out)), dQ = dS k * scale, dK = dS^T q * scale.
 *
 * <p>F32 works on blocks of query rows (see {@link #queryBlock}; never more than {@link #scoreBlock} scores,
 * so 4096 x 4096 scores never exist at once) with keys padded to whole vectors: the score rows are then
 * handled by full-vector loops only ({@link AttentionRows}) and the GEMMs by {@link AttentionGemm}, which
 * reads each head's K and V from a layout made once per head or block instead of packing per call. The
 * forward pass runs one fork-join over all (batch*head, query block) pairs; backward one over the heads
 * (dK and dV sum over a head's query blocks in order). F64 is the direct formula in double, row by row,
 * the reference for everything else. F16/BF16 compute in F32.
 */
final class AttentionKernels {
    private AttentionKernels() {}

    /** Scores per query block (floats): 4M floats = 16 MiB per worker. Not final so a test can force small blocks. */
    static int scoreBlock = 1 << 22;

    record Dims(int b, int h, int lq, int lk, int d, int dv) {}

    static Dims dims(String op, Tensor q, Tensor k, Tensor v) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException(op + ": q " + Shape.str(q.shape()) + ", k " + Shape.str(k.shape()) + ", v " + Shape.str(v.shape())
                    + " must all be [B, H, L, D]");
        if (q.dtype() != k.dtype() || q.dtype() != v.dtype() || !q.dtype().isFloating())
            throw new IllegalArgumentException(op + ": q, k, v must share one float dtype, got " + q.dtype().id() + ", " + k.dtype().id() + ", " + v.dtype().id());
        int b = q.dim(0), h = q.dim(1), lq = q.dim(2), d = q.dim(3), lk = k.dim(2);
        if (k.dim(0) != b || k.dim(1) != h || v.dim(0) != b || v.dim(1) != h || k.dim(3) != d || v.dim(2) != lk)
            throw new IllegalArgumentException(op + ": shapes do not fit: q " + Shape.str(q.shape()) + ", k " + Shape.str(k.shape()) + ", v " + Shape.str(v.shape()));
        return new Dims(b, h, lq, lk, d, v.dim(3));
    }

    /** The mask expanded to [B, H, Lq, Lk] (a view), or null. BOOL masks mean true = attend. */
    private static Tensor expandMask(String op, Tensor mask, Dims s) {
        if (mask == null) return null;
        int[] full = {s.b(), s.h(), s.lq(), s.lk()};
        try {
            if (!java.util.Arrays.equals(Shape.broadcast(mask.shape(), full), full)) throw new IllegalArgumentException("");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": mask " + Shape.str(mask.shape()) + " does not broadcast to " + Shape.str(full));
        }
        return mask.expand(full);
    }

    /** Additive mask values for rows [q0, q0+rows) of head (bi, hi), as doubles (BOOL: 0 or -inf). */
    private static double[] maskBlock(Tensor em, int bi, int hi, int q0, int rows) {
        Tensor blk = em.select(0, bi).select(0, hi).narrow(0, q0, rows);
        double[] m = HostArrays.doubles(blk);
        if (em.dtype() == DType.BOOL || !em.dtype().isFloating()) {
            m = m.clone();
            for (int i = 0; i < m.length; i++) m[i] = m[i] != 0 ? 0 : Double.NEGATIVE_INFINITY;
        }
        return m;
    }

    static AttentionResult forward(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) {
        Dims s = dims("attention", q, k, v);
        Tensor em = expandMask("attention", mask, s);
        DType dt = q.dtype();
        if (dt == DType.F64) return forwardF64(q, k, v, em, scale, causal, s);
        if (dt != DType.F32) {
            AttentionResult r = forward(q.to(DType.F32), k.to(DType.F32), v.to(DType.F32), mask, scale, causal);
            return new AttentionResult(r.output().to(dt), r.logSumExp());
        }
        float[] qa = HostArrays.floats(q), ka = HostArrays.floats(k), va = HostArrays.floats(v);
        int lq = s.lq(), lk = s.lk(), d = s.d(), dv = s.dv(), heads = s.b() * s.h();
        float[] out = new float[heads * lq * dv];
        float[] lse = new float[heads * lq];
        if (lk == 0) java.util.Arrays.fill(lse, Float.NEGATIVE_INFINITY); // no keys: every row hidden, output 0
        else if (lq > 0) {
            int lkp = AttentionRows.padded(lk), dvp = AttentionRows.padded(dv), block = queryBlock(lq, lk, lkp);
            int blocks = (lq + block - 1) / block;
            float f = (float) scale;
            // Each head's K transposed and V padded, once (not per query block: with 4096 keys and 48-row blocks
            // the per-block copies cost 12% of the pass). V is used in place when its rows are whole vectors.
            float[] ktAll = new float[heads * d * lkp], vpAll = dv == dvp ? va : new float[heads * lk * dvp];
            Threads.parallelFor(heads, bh -> {
                transposePadded(ka, bh * lk * d, lk, d, ktAll, bh * d * lkp, lkp);
                if (vpAll != va) copyPadded(va, bh * lk * dv, lk, dv, vpAll, bh * lk * dvp, dvp);
            });
            // One fork-join over every (head, query block): the blocks are independent, each writes its own
            // rows of out and lse, and how a row is computed does not depend on its block or thread.
            Threads.parallelFor(heads * blocks, task -> {
                int bh = task / blocks, q0 = task % blocks * block, rows = Math.min(block, lq - q0);
                Work w = Work.get();
                float[] sc = w.get(Work.SCORES, block * lkp), inv = w.get(Work.INV, block);
                scoresF32(qa, ktAll, bh * d * lkp, em, bh, q0, rows, f, causal, s, lkp, w);
                for (int r = 0; r < rows; r++) { // unnormalised softmax row and its log-sum-exp
                    int o = r * lkp;
                    float m = AttentionRows.max(sc, o, lkp);
                    if (m == Float.NEGATIVE_INFINITY) { // every key hidden: output zeros
                        java.util.Arrays.fill(sc, o, o + lkp, 0f);
                        lse[bh * lq + q0 + r] = Float.NEGATIVE_INFINITY;
                        inv[r] = 0f;
                        continue;
                    }
                    double sum = AttentionRows.expSub(sc, o, lkp, m);
                    inv[r] = (float) (1.0 / sum);
                    lse[bh * lq + q0 + r] = (float) (m + Math.log(sum));
                }
                if (dv > 0) {
                    // normalise the Dv outputs of a row rather than its Lk probabilities: same math, far fewer multiplies
                    int outOff = (bh * lq + q0) * dv;
                    if (dv == dvp) { // rows of whole vectors: straight into out
                        AttentionGemm.gemm(rows, dv, lk, sc, 0, lkp, vpAll, bh * lk * dv, dv, out, outOff, dv, false);
                        for (int r = 0; r < rows; r++) AttentionRows.scale(out, outOff + r * dv, dv, inv[r]);
                    } else {
                        float[] o = w.get(Work.OUT, block * dvp);
                        AttentionGemm.gemm(rows, dvp, lk, sc, 0, lkp, vpAll, bh * lk * dvp, dvp, o, 0, dvp, false);
                        for (int r = 0; r < rows; r++)
                            for (int c = 0; c < dv; c++) out[outOff + r * dv + c] = o[r * dvp + c] * inv[r];
                    }
                }
            });
        }
        return new AttentionResult(HostArrays.wrap(out, DType.F32, new int[]{s.b(), s.h(), lq, dv}),
                HostArrays.wrap(lse, DType.F32, new int[]{s.b(), s.h(), lq}));
    }

    /** dst[c][j] = src[j][c] for a rows x cols block at srcOff (dst cols x ld at dstOff, columns rows..ld zero). */
    private static void transposePadded(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, int ld) {
        for (int c = 0; c < cols; c++) {
            int o = dstOff + c * ld;
            for (int j = 0; j < rows; j++) dst[o + j] = src[srcOff + j * cols + c];
            java.util.Arrays.fill(dst, o + rows, o + ld, 0f);
        }
    }

    /** dst[j][c] = src[j][c] for a rows x cols block at srcOff, dst rows ld wide at dstOff with columns cols..ld zero. */
    private static void copyPadded(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, int ld) {
        for (int j = 0; j < rows; j++) {
            System.arraycopy(src, srcOff + j * cols, dst, dstOff + j * ld, cols);
            java.util.Arrays.fill(dst, dstOff + j * ld + cols, dstOff + j * ld + ld, 0f);
        }
    }

    /**
     * Query rows per block: about 128K scores (512 KiB, so a block's scores stay in L2 between the score GEMM,
     * the row pass and the output GEMM), 48 to 480 rows so the GEMMs keep a useful height, a multiple of 6
     * (the GEMM micro-tile height), and never more than {@link #scoreBlock} scores. A function of the shape
     * only: the split never depends on the thread count.
     */
    static int queryBlock(int lq, int lk, int lkp) {
        int rows = Math.max(48, Math.min(480, (1 << 17) / lkp)) / 6 * 6;
        rows = Math.min(rows, Math.max(1, scoreBlock / Math.max(1, lk)));
        return Math.max(1, Math.min(lq, rows));
    }

    /** Per-thread scratch arrays, grown as needed and reused across calls (contents undefined on return). */
    private static final class Work {
        static final int SCORES = 0, GRADS = 1, QUERY = 2, INV = 3, KT = 4, VT = 5, KP = 6, OUT = 7, DKT = 8, DVT = 9, AT = 10;
        private static final ThreadLocal<Work> LOCAL = ThreadLocal.withInitial(Work::new);
        private final float[][] slots = new float[11][0];

        static Work get() { return LOCAL.get(); }

        float[] get(int slot, int size) {
            if (slots[slot].length < size) slots[slot] = new float[size];
            return slots[slot];
        }
    }

    /**
     * w.scores[rows x lkp] = (q scale)[q0 .. q0+rows) k^T + mask, hidden and padding keys at -inf. q is scaled
     * first (into w.query) so the score GEMM needs no separate scaling pass over Lq x Lk scores.
     */
    private static void scoresF32(float[] qa, float[] kt, int ktOff, Tensor em, int bh, int q0, int rows, float scale, boolean causal,
                                  Dims s, int lkp, Work w) {
        int lk = s.lk(), d = s.d();
        float[] sc = w.get(Work.SCORES, rows * lkp), qs = w.get(Work.QUERY, rows * d);
        AttentionRows.scaledCopy(qa, (bh * s.lq() + q0) * d, qs, rows * d, scale);
        AttentionGemm.gemm(rows, lkp, d, qs, 0, d, kt, ktOff, lkp, sc, 0, lkp, false); // d = 0 gives zeros
        if (em != null) {
            double[] m = maskBlock(em, bh / s.h(), bh % s.h(), q0, rows);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < lk; j++) sc[r * lkp + j] += (float) m[r * lk + j];
        }
        for (int r = 0; r < rows; r++) {
            int firstHidden = causal ? Math.min(lk, q0 + r + 1) : lk;
            java.util.Arrays.fill(sc, r * lkp + firstHidden, r * lkp + lkp, Float.NEGATIVE_INFINITY);
        }
    }

    static AttentionGrads backward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lseT, Tensor mask,
                                   double scale, boolean causal) {
        Dims s = dims("attentionBackward", q, k, v);
        int[] outShape = {s.b(), s.h(), s.lq(), s.dv()};
        if (!java.util.Arrays.equals(gradOut.shape(), outShape) || !java.util.Arrays.equals(out.shape(), outShape))
            throw new IllegalArgumentException("attentionBackward: gradOut " + Shape.str(gradOut.shape()) + " and out " + Shape.str(out.shape())
                    + " must be " + Shape.str(outShape));
        if (lseT.numel() != s.b() * s.h() * s.lq())
            throw new IllegalArgumentException("attentionBackward: logSumExp " + Shape.str(lseT.shape()) + " must be [" + s.b() + ", " + s.h() + ", " + s.lq() + "]");
        Tensor em = expandMask("attentionBackward", mask, s);
        DType dt = q.dtype();
        if (dt == DType.F64) return backwardF64(gradOut, q, k, v, out, lseT, em, scale, causal, s);
        if (dt != DType.F32) {
            AttentionGrads g = backward(gradOut.to(DType.F32), q.to(DType.F32), k.to(DType.F32), v.to(DType.F32), out.to(DType.F32),
                    lseT, mask, scale, causal);
            return new AttentionGrads(g.gradQ().to(dt), g.gradK().to(dt), g.gradV().to(dt));
        }
        float[] qa = HostArrays.floats(q), ka = HostArrays.floats(k), va = HostArrays.floats(v);
        float[] go = HostArrays.floats(gradOut), oa = HostArrays.floats(out), lse = HostArrays.floats(lseT);
        int lq = s.lq(), lk = s.lk(), d = s.d(), dv = s.dv();
        float[] dq = new float[qa.length], dk = new float[ka.length], dvA = new float[va.length];
        if (lk > 0 && lq > 0) {
            int lkp = AttentionRows.padded(lk), dp = AttentionRows.padded(d), block = queryBlock(lq, lk, lkp);
            float fs = (float) scale;
            // Per head, blocks in order: dK and dV accumulate over the query blocks, a fixed order. They are
            // built transposed (dK^T = Q^T dS, dV^T = dO^T P: B is then a row-major block of scores).
            Threads.parallelFor(s.b() * s.h(), bh -> {
                Work w = Work.get();
                float[] kt = w.get(Work.KT, d * lkp), vt = w.get(Work.VT, dv * lkp), kp = w.get(Work.KP, lk * dp);
                float[] dkt = w.get(Work.DKT, d * lkp), dvt = w.get(Work.DVT, dv * lkp), tmp = w.get(Work.OUT, block * dp);
                float[] dsc = w.get(Work.GRADS, block * lkp);
                transposePadded(ka, bh * lk * d, lk, d, kt, 0, lkp);
                transposePadded(va, bh * lk * dv, lk, dv, vt, 0, lkp);
                copyPadded(ka, bh * lk * d, lk, d, kp, 0, dp);
                for (int q0 = 0; q0 < lq; q0 += block) {
                    int rows = Math.min(block, lq - q0);
                    scoresF32(qa, kt, 0, em, bh, q0, rows, fs, causal, s, lkp, w);
                    float[] p = w.get(Work.SCORES, rows * lkp);
                    for (int r = 0; r < rows; r++) { // P = exp(S - logSumExp), recomputed; padding keys give 0
                        float l = lse[bh * lq + q0 + r];
                        if (l == Float.NEGATIVE_INFINITY) java.util.Arrays.fill(p, r * lkp, r * lkp + lkp, 0f);
                        else AttentionRows.expSub(p, r * lkp, lkp, l);
                    }
                    int goOff = (bh * lq + q0) * dv, qOff = (bh * lq + q0) * d;
                    boolean acc = q0 > 0;
                    // A operands transposed into scratch first, so the GEMM walks A along rows (see AttentionGemm)
                    float[] at = w.get(Work.AT, rows * Math.max(d, dv));
                    transposePadded(go, goOff, rows, dv, at, 0, rows);
                    AttentionGemm.gemm(dv, lkp, rows, at, 0, rows, p, 0, lkp, dvt, 0, lkp, acc);         // dV^T += dO^T P
                    AttentionGemm.gemm(rows, lkp, dv, go, goOff, dv, vt, 0, lkp, dsc, 0, lkp, false);     // dP = dO V^T
                    for (int r = 0; r < rows; r++) {
                        float di = AttentionRows.dotDouble(go, goOff + r * dv, oa, goOff + r * dv, dv);
                        AttentionRows.softmaxGrad(p, dsc, r * lkp, lkp, di, fs); // dS * scale (0 at padding keys)
                    }
                    if (d > 0) {
                        AttentionGemm.gemm(rows, dp, lk, dsc, 0, lkp, kp, 0, dp, tmp, 0, dp, false);       // dQ = dS K
                        for (int r = 0; r < rows; r++) System.arraycopy(tmp, r * dp, dq, qOff + r * d, d);
                        transposePadded(qa, qOff, rows, d, at, 0, rows);
                        AttentionGemm.gemm(d, lkp, rows, at, 0, rows, dsc, 0, lkp, dkt, 0, lkp, acc);      // dK^T += Q^T dS
                    }
                }
                for (int j = 0; j < lk; j++) {
                    for (int c = 0; c < d; c++) dk[(bh * lk + j) * d + c] = dkt[c * lkp + j];
                    for (int c = 0; c < dv; c++) dvA[(bh * lk + j) * dv + c] = dvt[c * lkp + j];
                }
            });
        }
        return new AttentionGrads(HostArrays.wrap(dq, DType.F32, q.shape()), HostArrays.wrap(dk, DType.F32, k.shape()),
                HostArrays.wrap(dvA, DType.F32, v.shape()));
    }

    // ---- F64 reference ---------------------------------------------------------------------------------

    /** Scaled, masked scores of one head in double: [Lq x Lk]. */
    private static double[] scoresF64(double[] qv, double[] kv, Tensor em, int bh, double scale, boolean causal, Dims s) {
        int lq = s.lq(), lk = s.lk(), d = s.d();
        double[] sc = new double[lq * lk];
        double[] m = em == null || lq == 0 ? null : maskBlock(em, bh / s.h(), bh % s.h(), 0, lq);
        for (int i = 0; i < lq; i++)
            for (int j = 0; j < lk; j++) {
                double acc = 0;
                for (int c = 0; c < d; c++) acc += qv[(bh * lq + i) * d + c] * kv[(bh * lk + j) * d + c];
                double x = acc * scale + (m == null ? 0 : m[i * lk + j]);
                sc[i * lk + j] = causal && j > i ? Double.NEGATIVE_INFINITY : x;
            }
        return sc;
    }

    private static AttentionResult forwardF64(Tensor q, Tensor k, Tensor v, Tensor em, double scale, boolean causal, Dims s) {
        double[] qv = HostArrays.doubles(q), kv = HostArrays.doubles(k), vv = HostArrays.doubles(v);
        int lq = s.lq(), lk = s.lk(), dv = s.dv();
        double[] out = new double[s.b() * s.h() * lq * dv], lse = new double[s.b() * s.h() * lq];
        Threads.parallelFor(s.b() * s.h(), bh -> {
            double[] sc = scoresF64(qv, kv, em, bh, scale, causal, s);
            for (int i = 0; i < lq; i++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < lk; j++) m = Math.max(m, sc[i * lk + j]);
                if (m == Double.NEGATIVE_INFINITY) { lse[bh * lq + i] = m; continue; }
                double sum = 0;
                for (int j = 0; j < lk; j++) sum += Math.exp(sc[i * lk + j] - m);
                lse[bh * lq + i] = m + Math.log(sum);
                for (int j = 0; j < lk; j++) {
                    double pij = Math.exp(sc[i * lk + j] - m) / sum;
                    for (int c = 0; c < dv; c++) out[(bh * lq + i) * dv + c] += pij * vv[(bh * lk + j) * dv + c];
                }
            }
        });
        return new AttentionResult(HostArrays.wrap(out, DType.F64, new int[]{s.b(), s.h(), lq, dv}),
                HostArrays.wrap(lse, DType.F64, new int[]{s.b(), s.h(), lq}));
    }

    private static AttentionGrads backwardF64(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lseT, Tensor em,
                                              double scale, boolean causal, Dims s) {
        double[] qv = HostArrays.doubles(q), kv = HostArrays.doubles(k), vv = HostArrays.doubles(v);
        double[] go = HostArrays.doubles(gradOut), ov = HostArrays.doubles(out), lse = HostArrays.doubles(lseT);
        int lq = s.lq(), lk = s.lk(), d = s.d(), dv = s.dv();
        double[] dq = new double[qv.length], dk = new double[kv.length], dvv = new double[vv.length];
        Threads.parallelFor(s.b() * s.h(), bh -> {
            double[] sc = scoresF64(qv, kv, em, bh, scale, causal, s);
            for (int i = 0; i < lq; i++) {
                double l = lse[bh * lq + i];
                double di = 0;
                for (int c = 0; c < dv; c++) di += go[(bh * lq + i) * dv + c] * ov[(bh * lq + i) * dv + c];
                for (int j = 0; j < lk; j++) {
                    double pij = l == Double.NEGATIVE_INFINITY ? 0 : Math.exp(sc[i * lk + j] - l);
                    double dpij = 0;
                    for (int c = 0; c < dv; c++) {
                        dpij += go[(bh * lq + i) * dv + c] * vv[(bh * lk + j) * dv + c];
                        dvv[(bh * lk + j) * dv + c] += pij * go[(bh * lq + i) * dv + c];
                    }
                    double ds = pij * (dpij - di) * scale;
                    for (int c = 0; c < d; c++) {
                        dq[(bh * lq + i) * d + c] += ds * kv[(bh * lk + j) * d + c];
                        dk[(bh * lk + j) * d + c] += ds * qv[(bh * lq + i) * d + c];
                    }
                }
            }
        });
        return new AttentionGrads(HostArrays.wrap(dq, DType.F64, q.shape()), HostArrays.wrap(dk, DType.F64, k.shape()),
                HostArrays.wrap(dvv, DType.F64, v.shape()));
    }
}
