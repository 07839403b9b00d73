package dev.unitune.tensor.cpu;

import dev.unitune.tensor.AttentionGrads;
import dev.unitune.tensor.AttentionResult;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.Sgemm;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * Scaled-dot-product attention, forward and backward, per (batch, head):
 * S = q k^T * scale + mask (causal hides j > i), P = softmax(S) row-wise, out = P v; logSumExp[i] =
 * log sum_j exp(S_ij) (-inf for a row with every key hidden, whose output is 0).
 * Backward recomputes P = exp(S - logSumExp) and uses dV = P^T dO, dP = dO v^T,
 * dS = P * (dP - rowsum(dO * out)), dQ = dS k * scale, dK = dS^T q * scale.
 *
 * <p>F32 composes these from {@link Sgemm} calls over blocks of at most {@link #scoreBlock} scores of
 * queries, so memory stays bounded for long sequences (4096 x 4096 scores never exist at once). F64 is the
 * direct formula in double, row by row, the reference for everything else. F16/BF16 compute in F32.
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
        float[] out = new float[s.b() * s.h() * s.lq() * s.dv()];
        float[] lse = new float[s.b() * s.h() * s.lq()];
        int block = Math.max(1, Math.min(s.lq(), scoreBlock / Math.max(1, s.lk())));
        int heads = s.b() * s.h();
        Threads.parallelFor(heads, bh -> {
            float[] sc = new float[block * Math.max(1, s.lk())], inv = new float[block];
            float[] qs = scaledQuery(qa, bh, scale, s);
            for (int q0 = 0; q0 < s.lq(); q0 += block) {
                int rows = Math.min(block, s.lq() - q0);
                scoresF32(qs, ka, em, bh, q0, rows, causal, s, sc);
                for (int r = 0; r < rows; r++) { // unnormalised softmax row and its log-sum-exp
                    int o = r * s.lk();
                    float m = VectorActivations.max(sc, o, s.lk());
                    if (m == Float.NEGATIVE_INFINITY) { // every key hidden: output zeros
                        java.util.Arrays.fill(sc, o, o + s.lk(), 0f);
                        lse[bh * s.lq() + q0 + r] = Float.NEGATIVE_INFINITY;
                        inv[r] = 0f;
                        continue;
                    }
                    double sum = VectorActivations.expSubInPlace(sc, o, s.lk(), m);
                    inv[r] = (float) (1.0 / sum);
                    lse[bh * s.lq() + q0 + r] = (float) (m + Math.log(sum));
                }
                if (s.dv() > 0) {
                    int outOff = (bh * s.lq() + q0) * s.dv();
                    Sgemm.gemm(false, false, rows, s.dv(), s.lk(), sc, 0, Math.max(1, s.lk()), va, bh * s.lk() * s.dv(), Math.max(1, s.dv()),
                            0f, out, outOff, s.dv());
                    // normalise the Dv outputs of a row rather than its Lk probabilities: same math, far fewer multiplies
                    for (int r = 0; r < rows; r++) VectorActivations.scale(out, outOff + r * s.dv(), s.dv(), inv[r]);
                }
            }
        });
        return new AttentionResult(HostArrays.wrap(out, DType.F32, new int[]{s.b(), s.h(), s.lq(), s.dv()}),
                HostArrays.wrap(lse, DType.F32, new int[]{s.b(), s.h(), s.lq()}));
    }

    /** q of head bh times scale, so the score GEMM needs no separate scaling pass over Lq x Lk scores. */
    private static float[] scaledQuery(float[] qa, int bh, double scale, Dims s) {
        int n = s.lq() * s.d();
        float[] qs = new float[n];
        float f = (float) scale;
        for (int i = 0; i < n; i++) qs[i] = qa[bh * n + i] * f;
        return qs;
    }

    /** sc[rows x Lk] = (q scale)[q0 .. q0+rows) k^T + mask, with hidden keys at -inf. */
    private static void scoresF32(float[] qs, float[] ka, Tensor em, int bh, int q0, int rows, boolean causal, Dims s, float[] sc) {
        int lk = s.lk();
        if (lk == 0) return;
        if (s.d() > 0)
            Sgemm.gemm(false, true, rows, lk, s.d(), qs, q0 * s.d(), s.d(), ka, bh * lk * s.d(), s.d(), 0f, sc, 0, lk);
        else java.util.Arrays.fill(sc, 0, rows * lk, 0f);
        if (em != null) {
            double[] m = maskBlock(em, bh / s.h(), bh % s.h(), q0, rows);
            for (int i = 0; i < rows * lk; i++) sc[i] += (float) m[i];
        }
        if (causal)
            for (int r = 0; r < rows; r++) {
                int firstHidden = Math.min(lk, q0 + r + 1);
                java.util.Arrays.fill(sc, r * lk + firstHidden, r * lk + lk, Float.NEGATIVE_INFINITY);
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
        int block = Math.max(1, Math.min(lq, scoreBlock / Math.max(1, lk)));
        float fs = (float) scale;
        Threads.parallelFor(s.b() * s.h(), bh -> {
            float[] p = new float[block * Math.max(1, lk)], dp = new float[block * Math.max(1, lk)];
            float[] qs = scaledQuery(qa, bh, scale, s);
            boolean first = true;
            for (int q0 = 0; q0 < lq; q0 += block) {
                int rows = Math.min(block, lq - q0);
                if (lk == 0) break;
                scoresF32(qs, ka, em, bh, q0, rows, causal, s, p);
                for (int r = 0; r < rows; r++) { // P = exp(S - logSumExp), recomputed
                    float l = lse[bh * lq + q0 + r];
                    if (l == Float.NEGATIVE_INFINITY) java.util.Arrays.fill(p, r * lk, r * lk + lk, 0f);
                    else VectorActivations.expSubInPlace(p, r * lk, lk, l);
                }
                int goOff = (bh * lq + q0) * dv, qOff = (bh * lq + q0) * d;
                float beta = first ? 0f : 1f;
                if (dv > 0) {
                    Sgemm.gemm(true, false, lk, dv, rows, p, 0, lk, go, goOff, dv, beta, dvA, bh * lk * dv, dv);     // dV += P^T dO
                    Sgemm.gemm(false, true, rows, lk, dv, go, goOff, dv, va, bh * lk * dv, dv, 0f, dp, 0, lk);       // dP = dO V^T
                } else java.util.Arrays.fill(dp, 0, rows * lk, 0f);
                for (int r = 0; r < rows; r++) {
                    double di = 0;
                    for (int c = 0; c < dv; c++) di += (double) go[goOff + r * dv + c] * oa[goOff + r * dv + c];
                    float fdi = (float) di;
                    VectorActivations.softmaxGrad(p, dp, r * lk, lk, fdi, fs); // dS * scale
                }
                if (d > 0) {
                    Sgemm.gemm(false, false, rows, d, lk, dp, 0, lk, ka, bh * lk * d, d, 0f, dq, qOff, d);          // dQ = dS K
                    Sgemm.gemm(true, false, lk, d, rows, dp, 0, lk, qa, qOff, d, beta, dk, bh * lk * d, d);          // dK += dS^T Q
                }
                first = false;
            }
        });
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
