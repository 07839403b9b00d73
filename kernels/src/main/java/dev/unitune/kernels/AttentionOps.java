package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.AttentionGrads;
import dev.unitune.tensor.AttentionResult;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/**
 * Fused attention forward/backward (attention.cu). F32 operands are read through their strides; F16/BF16
 * are widened first. Head dims above the kernel's ATT_DMAX (160, enough for SD's 40/64/80/160) run on the CPU.
 */
final class AttentionOps {
    static final int DMAX = 160;
    private static final int BQ = 64;
    private final DeviceBackend b;

    AttentionOps(DeviceBackend b) { this.b = b; }

    private static int[] geom(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal, String op) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException(op + ": q, k, v must be [B, H, L, D]; got " + Shape.str(q.shape()) + ", "
                    + Shape.str(k.shape()) + ", " + Shape.str(v.shape()));
        int B = q.dim(0), H = q.dim(1), Lq = q.dim(2), D = q.dim(3), Lk = k.dim(2), Dv = v.dim(3);
        if (k.dim(0) != B || k.dim(1) != H || v.dim(0) != B || v.dim(1) != H || k.dim(3) != D || v.dim(2) != Lk)
            throw new IllegalArgumentException(op + ": shapes do not fit: q " + Shape.str(q.shape()) + ", k " + Shape.str(k.shape())
                    + ", v " + Shape.str(v.shape()));
        if (mask != null) Shape.broadcast(mask.shape(), new int[] {B, H, Lq, Lk});
        return new int[] {B, H, Lq, Lk, D, Dv, causal ? 1 : 0, mask == null ? 0 : 1, Float.floatToIntBits((float) scale)};
    }

    private static boolean onDevice(int[] g) { return g[4] <= DMAX && g[5] <= DMAX && g[0] * g[1] <= 65535; }

    AttentionResult forward(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) {
        for (Tensor t : new Tensor[] {q, k, v, mask}) if (t != null) b.buf(t);
        int[] g = geom(q, k, v, mask, scale, causal, "attention");
        if (!onDevice(g)) {
            AttentionResult r = Backends.cpu().attention(HostFallback.toCpu(q), HostFallback.toCpu(k), HostFallback.toCpu(v),
                    HostFallback.toCpu(mask), scale, causal);
            return new AttentionResult(HostFallback.toDevice(b, r.output()), HostFallback.toDevice(b, r.logSumExp()));
        }
        DType dtype = q.dtype();
        if (tensorCoreForward(q, k, v, g)) return forwardTensorCores(q, k, v, mask, g);
        Tensor qf = asF32(q), kf = asF32(k), vf = asF32(v), mf = additiveMask(mask);
        int B = g[0], H = g[1], Lq = g[2], Lk = g[3], Dv = g[5];
        Tensor out = b.alloc(DType.F32, B, H, Lq, Dv);
        Tensor lse = b.alloc(DType.F32, B, H, Lq);
        if (Lq > 0 && B * H > 0)
            b.dev.launch("attention", forwardKernel(g[4], g[5]), new int[] {(Lq + BQ - 1) / BQ, B * H}, new int[] {BQ, 1}, g,
                    ViewArg.raw(qf), b.buf(qf), ViewArg.raw(kf), b.buf(kf), ViewArg.raw(vf), b.buf(vf),
                    maskView(mf, g), mf == null ? b.buf(qf) : b.buf(mf), b.buf(out), b.buf(lse));
        dropAll(qf, q, kf, k, vf, v, mf, mask);
        return new AttentionResult(b.fromF32(out, dtype), lse);
    }

    AttentionGrads backward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor logSumExp, Tensor mask,
                            double scale, boolean causal) {
        for (Tensor t : new Tensor[] {gradOut, q, k, v, out, logSumExp, mask}) if (t != null) b.buf(t);
        int[] g = geom(q, k, v, mask, scale, causal, "attentionBackward");
        int B = g[0], H = g[1], Lq = g[2], Lk = g[3], D = g[4], Dv = g[5];
        if (!java.util.Arrays.equals(gradOut.shape(), new int[] {B, H, Lq, Dv}) || !gradOut.sameShape(out))
            throw new IllegalArgumentException("attentionBackward: gradOut " + Shape.str(gradOut.shape()) + " / out "
                    + Shape.str(out.shape()) + " should be " + Shape.str(B, H, Lq, Dv));
        if (!onDevice(g)) {
            AttentionGrads r = Backends.cpu().attentionBackward(HostFallback.toCpu(gradOut), HostFallback.toCpu(q), HostFallback.toCpu(k),
                    HostFallback.toCpu(v), HostFallback.toCpu(out), HostFallback.toCpu(logSumExp), HostFallback.toCpu(mask), scale, causal);
            return new AttentionGrads(HostFallback.toDevice(b, r.gradQ()), HostFallback.toDevice(b, r.gradK()), HostFallback.toDevice(b, r.gradV()));
        }
        DType dtype = q.dtype();
        Tensor qf = asF32(q), kf = asF32(k), vf = asF32(v), gf = asF32(gradOut), of = asF32(out), lf = b.f32(logSumExp);
        Tensor mf = additiveMask(mask);
        Tensor delta = b.alloc(DType.F32, B * H * Lq);
        Tensor dq = b.alloc(DType.F32, B, H, Lq, D), dk = b.alloc(DType.F32, B, H, Lk, D), dv = b.alloc(DType.F32, B, H, Lk, Dv);
        ViewArg mv = maskView(mf, g);
        Object mbuf = mf == null ? b.buf(qf) : b.buf(mf);
        if (B * H > 0 && Lq > 0) {
            b.launch1d("attention", "attention_backward_delta", B * H * Lq, g, ViewArg.raw(gf), b.buf(gf), ViewArg.raw(of), b.buf(of), b.buf(delta));
            b.dev.launch("attention", "attention_backward_dq", new int[] {(Lq + BQ - 1) / BQ, B * H}, new int[] {BQ, 1}, g,
                    ViewArg.raw(qf), b.buf(qf), ViewArg.raw(kf), b.buf(kf), ViewArg.raw(vf), b.buf(vf), mv, mbuf,
                    ViewArg.raw(gf), b.buf(gf), b.buf(lf), b.buf(delta), b.buf(dq));
        }
        if (B * H > 0 && Lk > 0)
            b.dev.launch("attention", "attention_backward_dkdv", new int[] {(Lk + BQ - 1) / BQ, B * H}, new int[] {BQ, 1}, g,
                    ViewArg.raw(qf), b.buf(qf), ViewArg.raw(kf), b.buf(kf), ViewArg.raw(vf), b.buf(vf), mv, mbuf,
                    ViewArg.raw(gf), b.buf(gf), b.buf(lf), b.buf(delta), b.buf(dk), b.buf(dv));
        delta.close();
        dropAll(qf, q, kf, k, vf, v, mf, mask);
        dropAll(gf, gradOut, of, out, lf, logSumExp);
        return new AttentionGrads(b.fromF32(dq, dtype), b.fromF32(dk, dtype), b.fromF32(dv, dtype));
    }

    /** The mask as F32 additive values; a BOOL mask keeps keys where true (0) and hides them where false (-inf), as the CPU. */
    private Tensor additiveMask(Tensor mask) {
        if (mask == null) return null;
        if (mask.dtype() != DType.BOOL) return b.f32(mask);
        try (Tensor zero = b.fill(DType.F32, 0.0, 1); Tensor hidden = b.fill(DType.F32, Double.NEGATIVE_INFINITY, 1)) {
            return b.where(mask, zero, hidden);
        }
    }

    /** F16/BF16 with D = Dv in {40, 64, 80} on CUDA: the tensor-core kernel (attention_tc.cu). */
    private boolean tensorCoreForward(Tensor q, Tensor k, Tensor v, int[] g) {
        DType d = q.dtype();
        return (d == DType.F16 || d == DType.BF16) && k.dtype() == d && v.dtype() == d && b.tensorCoreGemm()
                && g[4] == g[5] && (g[4] == 40 || g[4] == 64 || g[4] == 80);
    }

    /** q, k, v are read through their strides as 16-bit values; O comes back in f32 and is rounded to the dtype. */
    private AttentionResult forwardTensorCores(Tensor q, Tensor k, Tensor v, Tensor mask, int[] g) {
        int B = g[0], H = g[1], Lq = g[2], D = g[4];
        Tensor mf = additiveMask(mask);
        Tensor out = b.alloc(DType.F32, B, H, Lq, D), lse = b.alloc(DType.F32, B, H, Lq);
        if (Lq > 0 && B * H > 0)
            b.dev.launch("attention_tc", "attention_forward_tc_d" + D, new int[] {(Lq + 63) / 64, B * H}, new int[] {128, 1},
                    q.dtype() == DType.BF16 ? 1 : 0, g, ViewArg.raw(q), b.buf(q), ViewArg.raw(k), b.buf(k), ViewArg.raw(v), b.buf(v),
                    maskView(mf, g), mf == null ? b.buf(out) : b.buf(mf), b.buf(out), b.buf(lse));
        DeviceBackend.dropTemp(mf, mask);
        return new AttentionResult(b.fromF32(out, q.dtype()), lse);
    }

    /** A fixed-dim copy of the forward kernel for common head dims (register-resident rows), else the generic one. */
    static String forwardKernel(int d, int dv) {
        return d == dv && (d == 40 || d == 64 || d == 80) ? "attention_forward_d" + d : "attention_forward";
    }

    /** F32 tensors are used as they are (any strides); others are widened to a contiguous F32 copy. */
    private Tensor asF32(Tensor t) { return t.dtype() == DType.F32 ? t : b.f32(t); }

    private static ViewArg maskView(Tensor mf, int[] g) {
        if (mf == null) return new ViewArg(new int[] {1, 1, 1, 1}, new int[] {0, 0, 0, 0}, 0);
        return ViewArg.raw(mf.expand(g[0], g[1], g[2], g[3]));
    }

    private static void dropAll(Tensor... pairs) {
        for (int i = 0; i < pairs.length; i += 2) DeviceBackend.dropTemp(pairs[i], pairs[i + 1]);
    }
}
