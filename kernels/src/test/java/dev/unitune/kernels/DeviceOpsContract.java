package dev.unitune.kernels;

import dev.unitune.tensor.*;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.unitune.kernels.Compare.assertClose;
import static dev.unitune.kernels.Compare.assertExact;
import static dev.unitune.kernels.Compare.pair;

/**
 * Every op of a device backend (OpenCL, CUDA) against the CPU reference on small fixed shapes, including odd sizes,
 * size-1 dims, broadcasting and non-contiguous (permuted, sliced, expanded) inputs.
 *
 * <p>Tolerances, from f32 error: elementwise transcendental ops differ between PoCL's libm and Java's
 * by a few ulp (rtol 1e-5 is ~80 ulp of headroom, atol 1e-6 for values near zero). Sums of K terms of
 * size <= 1 carry an error up to ~K * 2^-24 relative to sum |terms| for either order of summation, so
 * matmul/conv/norm/attention use atol 1e-5 for K up to ~100 (the CPU accumulates in a different order).
 */
abstract class DeviceOpsContract {
    static final double RT = 1e-5, AT = 1e-6, SUM_AT = 1e-5;
    DeviceBackend cl;
    static final Backend cpu = Backends.cpu();

    /** The backend under test, or a skipped test when its API is unavailable here. */
    abstract DeviceBackend device();

    @BeforeEach
    void open() { cl = device(); }

    @Test
    void creationCopyAndCast() {
        assertExact("arange i64", cpu.arange(DType.I64, 3, 2, 7), cl.arange(DType.I64, 3, 2, 7));
        assertClose("arange f32", cpu.arange(DType.F32, -1.5, 0.25, 11), cl.arange(DType.F32, -1.5, 0.25, 11), RT, AT);
        assertClose("fill", cpu.fill(DType.F32, 2.5, 3, 1, 4), cl.fill(DType.F32, 2.5, 3, 1, 4), 0, 0);
        Tensor[] x = pair(cl, 1, 4, 5, 6);
        Tensor[] v = {x[0].permute(2, 0, 1).slice(1, 1, 4, 2), x[1].permute(2, 0, 1).slice(1, 1, 4, 2)};
        assertClose("copy of a permuted slice", cpu.copy(v[0]), cl.copy(v[1]), 0, 0);
        for (DType d : new DType[] {DType.F16, DType.BF16, DType.I32, DType.I64, DType.U8, DType.BOOL}) {
            Tensor[] s = {cpu.binaryScalar(BinaryOp.MUL, v[0], 300), cl.binaryScalar(BinaryOp.MUL, v[1], 300)};
            assertExact("cast to " + d.id(), cpu.cast(s[0], d), cl.cast(s[1], d));
        }
        Tensor h = cpu.cast(x[0], DType.F16);
        assertExact("f16 round trip", cpu.cast(h, DType.F32), cl.cast(cl.fromHost(cpu.toHost(h), DType.F16, h.shape()), DType.F32));
    }

    @Test
    void unaryOps() {
        Tensor[] x = pair(cl, 2, 3, 7, 5);
        Tensor[] v = {cpu.binaryScalar(BinaryOp.MUL, x[0].transpose(0, 2), 3), cl.binaryScalar(BinaryOp.MUL, x[1].transpose(0, 2), 3)};
        for (UnaryOp op : UnaryOp.values()) {
            Tensor[] in = v;
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.LOG1P)
                in = new Tensor[] {cpu.unary(UnaryOp.ABS, v[0]), cl.unary(UnaryOp.ABS, v[1])};
            assertClose(op.name(), cpu.unary(op, in[0]), cl.unary(op, in[1]), RT, AT);
        }
    }

    @Test
    void binaryOpsWithBroadcastAndScalars() {
        Tensor[] a = pair(cl, 3, 4, 1, 6), b = pair(cl, 4, 5, 1);
        Tensor[] bt = {b[0].transpose(0, 1).transpose(0, 1), b[1].transpose(0, 1).transpose(0, 1)};
        for (BinaryOp op : BinaryOp.values()) {
            Tensor[] x = a, y = bt;
            if (op == BinaryOp.POW) {
                x = new Tensor[] {cpu.unary(UnaryOp.ABS, a[0]), cl.unary(UnaryOp.ABS, a[1])};
            }
            Tensor e = cpu.binary(op, x[0], y[0]), g = cl.binary(op, x[1], y[1]);
            if (op.isComparison()) assertExact(op.name(), e, g);
            else assertClose(op.name(), e, g, RT, AT);
            Tensor es = cpu.binaryScalar(op, x[0], 0.375), gs = cl.binaryScalar(op, x[1], 0.375);
            if (op.isComparison()) assertExact(op.name() + " scalar", es, gs);
            else assertClose(op.name() + " scalar", es, gs, RT, AT);
        }
        Tensor[] c = {cpu.binaryScalar(BinaryOp.GT, a[0], 0), cl.binaryScalar(BinaryOp.GT, a[1], 0)};
        assertClose("where", cpu.where(c[0], a[0], b[0].unsqueeze(0)), cl.where(c[1], a[1], b[1].unsqueeze(0)), 0, 0);
        assertClose("clamp", cpu.clamp(a[0], -0.5, Double.POSITIVE_INFINITY), cl.clamp(a[1], -0.5, Double.POSITIVE_INFINITY), 0, 0);
        Tensor[] ia = {cpu.cast(cpu.binaryScalar(BinaryOp.MUL, a[0], 100), DType.I32), cl.cast(cl.binaryScalar(BinaryOp.MUL, a[1], 100), DType.I32)};
        assertExact("i32 add (host fallback)", cpu.binary(BinaryOp.ADD, ia[0], ia[0]), cl.binary(BinaryOp.ADD, ia[1], ia[1]));
    }

    @Test
    void reductions() {
        Tensor[] x = pair(cl, 5, 3, 40, 7);
        Tensor[] big = pair(cl, 6, 2, 3000);
        for (ReduceOp op : ReduceOp.values()) {
            assertClose(op + " axis 1", cpu.reduce(op, x[0], new int[] {1}, false), cl.reduce(op, x[1], new int[] {1}, false), RT, SUM_AT);
            assertClose(op + " axes 0,2 keep", cpu.reduce(op, x[0], new int[] {0, 2}, true), cl.reduce(op, x[1], new int[] {0, 2}, true), RT, SUM_AT);
            if (op != ReduceOp.PROD)
                assertClose(op + " long rows", cpu.reduce(op, big[0], new int[] {-1}, false), cl.reduce(op, big[1], new int[] {-1}, false), RT, 1e-4);
        }
        assertClose("sum all", cpu.reduce(ReduceOp.SUM, x[0], new int[0], false), cl.reduce(ReduceOp.SUM, x[1], new int[0], false), RT, 1e-4);
        assertClose("variance", cpu.variance(x[0], new int[] {1, 2}, 1, false), cl.variance(x[1], new int[] {1, 2}, 1, false), 1e-4, SUM_AT);
        assertExact("argmax", cpu.argmax(x[0], 1, false), cl.argmax(x[1], 1, false));
    }

    @Test
    void matmulStridedAndBroadcast() {
        Tensor[] a = pair(cl, 7, 2, 1, 37, 70), b = pair(cl, 8, 3, 53, 70);
        // a^T-free: a [2,1,37,70] x b^T where b is [3,53,70] -> [2,3,37,53]
        assertClose("matmul transB broadcast", cpu.matmul(a[0], b[0], false, true), cl.matmul(a[1], b[1], false, true), RT, 1e-5);
        Tensor[] c = pair(cl, 9, 70, 37);
        assertClose("matmul transA", cpu.matmul(c[0], b[0], true, true), cl.matmul(c[1], b[1], true, true), RT, 1e-5);
        Tensor[] d = pair(cl, 10, 1, 1), e = pair(cl, 11, 1, 130);
        assertClose("matmul 1x1x130", cpu.matmul(d[0], e[0], false, false), cl.matmul(d[1], e[1], false, false), RT, AT);
        Tensor[] h = Compare.cast(a, DType.F16), k = Compare.cast(b, DType.F16);
        // f16 output: one rounding of the f32 result (half-ulp 2^-11 relative), as torch's f16 rtol 1e-3
        assertClose("matmul f16", cpu.matmul(h[0], k[0], false, true), cl.matmul(h[1], k[1], false, true), 1e-3, 1e-3);
        // several 64x64 tiles and k-steps (the CUDA tensor-core kernel's tiling); bf16 keeps 8 bits, torch's rtol 1.6e-2
        Tensor[] p = Compare.cast(pair(cl, 36, 130, 100), DType.BF16), r = Compare.cast(pair(cl, 37, 150, 100), DType.BF16);
        assertClose("matmul bf16 multi-tile", cpu.matmul(p[0], r[0], false, true), cl.matmul(p[1], r[1], false, true), 1.6e-2, 1e-2);
        // K, N multiples of 8 and aligned rows: the CUDA tensor-core kernel's 16-byte-load variant, both B layouts
        Tensor[] p8 = Compare.cast(pair(cl, 38, 2, 130, 96), DType.F16), r8 = Compare.cast(pair(cl, 39, 96, 136), DType.F16);
        Tensor[] r8t = Compare.cast(pair(cl, 47, 136, 96), DType.F16);
        assertClose("matmul f16 aligned", cpu.matmul(p8[0], r8[0], false, false), cl.matmul(p8[1], r8[1], false, false), 1e-3, 1e-2);
        assertClose("matmul f16 aligned transB", cpu.matmul(p8[0], r8t[0], false, true), cl.matmul(p8[1], r8t[1], false, true), 1e-3, 1e-2);
    }

    @Test
    void conv2dForwardAndBackward() {
        for (Conv2dSpec spec : List.of(Conv2dSpec.of(1, 1), Conv2dSpec.of(2, 0), new Conv2dSpec(2, 1, 1, 2, 2, 1, 2))) {
            Tensor[] x = pair(cl, 12, 2, 4, 9, 11), w = pair(cl, 13, 6, 4 / spec.groups(), 3, 3), bias = pair(cl, 14, 6);
            Tensor e = cpu.conv2d(x[0], w[0], bias[0], spec), g = cl.conv2d(x[1], w[1], bias[1], spec);
            assertClose("conv2d " + spec, e, g, RT, SUM_AT);
            Tensor[] gy = pair(cl, 15, e.shape());
            assertClose("conv2d dInput " + spec, cpu.conv2dBackwardInput(gy[0], w[0], x[0].shape(), spec),
                    cl.conv2dBackwardInput(gy[1], w[1], x[1].shape(), spec), RT, SUM_AT);
            assertClose("conv2d dWeight " + spec, cpu.conv2dBackwardWeight(gy[0], x[0], w[0].shape(), spec),
                    cl.conv2dBackwardWeight(gy[1], x[1], w[1].shape(), spec), RT, 1e-4);
        }
    }

    /** The 128x128-tile GEMM and conv kernels (normally for large problems), forced on small shapes. */
    @Test
    void bigTileKernels() {
        long saved = GemmOps.bigTileMinOutputs;
        GemmOps.bigTileMinOutputs = 0;
        try {
            Tensor[] a = pair(cl, 60, 2, 130, 70), bm = pair(cl, 61, 70, 150);
            assertClose("matmul 128-tile", cpu.matmul(a[0], bm[0], false, false), cl.matmul(a[1], bm[1], false, false), RT, 1e-5);
            Conv2dSpec spec = Conv2dSpec.of(1, 1);
            Tensor[] x = pair(cl, 62, 1, 16, 12, 12), w = pair(cl, 63, 128, 16, 3, 3);
            Tensor e = cpu.conv2d(x[0], w[0], null, spec);
            assertClose("conv2d 128-tile", e, cl.conv2d(x[1], w[1], null, spec), RT, 1e-4);
            Tensor[] gy = pair(cl, 64, e.shape());
            assertClose("conv2d dWeight 128-tile", cpu.conv2dBackwardWeight(gy[0], x[0], w[0].shape(), spec),
                    cl.conv2dBackwardWeight(gy[1], x[1], w[1].shape(), spec), RT, 1e-4);
            Tensor[] x2 = pair(cl, 65, 1, 128, 12, 12), w2 = pair(cl, 66, 8, 128, 3, 3), gy2 = pair(cl, 67, 1, 8, 12, 12);
            assertClose("conv2d dInput 128-tile", cpu.conv2dBackwardInput(gy2[0], w2[0], x2[0].shape(), spec),
                    cl.conv2dBackwardInput(gy2[1], w2[1], x2[1].shape(), spec), RT, 1e-4);
        } finally {
            GemmOps.bigTileMinOutputs = saved;
        }
    }

    @Test
    void softmaxFamily() {
        Tensor[] x = pair(cl, 16, 3, 5, 300);
        for (int axis : new int[] {-1, 1}) {
            Tensor[] y = {cpu.softmax(x[0], axis), cl.softmax(x[1], axis)};
            assertClose("softmax " + axis, y[0], y[1], RT, AT);
            Tensor[] ly = {cpu.logSoftmax(x[0], axis), cl.logSoftmax(x[1], axis)};
            assertClose("logSoftmax " + axis, ly[0], ly[1], RT, AT);
            Tensor[] gy = pair(cl, 17, x[0].shape());
            assertClose("softmaxBackward " + axis, cpu.softmaxBackward(y[0], gy[0], axis), cl.softmaxBackward(y[0].to(cl), gy[1], axis), RT, SUM_AT);
            assertClose("logSoftmaxBackward " + axis, cpu.logSoftmaxBackward(ly[0], gy[0], axis), cl.logSoftmaxBackward(ly[0].to(cl), gy[1], axis), RT, 1e-4);
        }
    }

    @Test
    void groupAndLayerNorm() {
        Tensor[] x = pair(cl, 18, 2, 6, 5, 7), w = pair(cl, 19, 6), b = pair(cl, 20, 6);
        NormResult e = cpu.groupNorm(x[0], w[0], b[0], 3, 1e-5), g = cl.groupNorm(x[1], w[1], b[1], 3, 1e-5);
        assertClose("groupNorm y", e.output(), g.output(), 1e-4, 1e-5);
        assertClose("groupNorm mean", e.mean(), g.mean(), RT, SUM_AT);
        assertClose("groupNorm rstd", e.rstd(), g.rstd(), 1e-4, SUM_AT);
        Tensor[] gy = pair(cl, 21, x[0].shape());
        NormGrads eg = cpu.groupNormBackward(gy[0], x[0], e.mean(), e.rstd(), w[0], 3);
        NormGrads gg = cl.groupNormBackward(gy[1], x[1], g.mean(), g.rstd(), w[1], 3);
        assertClose("groupNorm dx", eg.gradInput(), gg.gradInput(), 1e-4, 1e-4);
        assertClose("groupNorm dw", eg.gradWeight(), gg.gradWeight(), 1e-4, 1e-4);
        assertClose("groupNorm db", eg.gradBias(), gg.gradBias(), 1e-4, 1e-4);

        Tensor[] lw = pair(cl, 22, 5, 7), lb = pair(cl, 23, 5, 7);
        NormResult le = cpu.layerNorm(x[0], 2, lw[0], lb[0], 1e-5), lg = cl.layerNorm(x[1], 2, lw[1], lb[1], 1e-5);
        assertClose("layerNorm y", le.output(), lg.output(), 1e-4, 1e-5);
        NormGrads leg = cpu.layerNormBackward(gy[0], x[0], le.mean(), le.rstd(), lw[0], 2);
        NormGrads lgg = cl.layerNormBackward(gy[1], x[1], lg.mean(), lg.rstd(), lw[1], 2);
        assertClose("layerNorm dx", leg.gradInput(), lgg.gradInput(), 1e-4, 1e-4);
        assertClose("layerNorm dw", leg.gradWeight(), lgg.gradWeight(), 1e-4, 1e-4);
        assertClose("layerNorm db", leg.gradBias(), lgg.gradBias(), 1e-4, 1e-4);
        NormResult ln = cpu.layerNorm(x[0], 1, null, null, 1e-5), lnd = cl.layerNorm(x[1], 1, null, null, 1e-5);
        assertClose("layerNorm no affine", ln.output(), lnd.output(), 1e-4, 1e-5);
    }

    @Test
    void attentionForwardBackward() {
        Tensor[] q = pair(cl, 24, 2, 3, 70, 16), k = pair(cl, 25, 2, 3, 45, 16), v = pair(cl, 26, 2, 3, 45, 8);
        Tensor[] mask = pair(cl, 27, 1, 70, 45);
        for (boolean causal : new boolean[] {false, true}) {
            for (Tensor[] m : new Tensor[][] {null, mask}) {
                String what = "attention causal=" + causal + " mask=" + (m != null);
                AttentionResult e = cpu.attention(q[0], k[0], v[0], m == null ? null : m[0], 0.25, causal);
                AttentionResult g = cl.attention(q[1], k[1], v[1], m == null ? null : m[1], 0.25, causal);
                assertClose(what + " out", e.output(), g.output(), 1e-4, SUM_AT);
                assertClose(what + " lse", e.logSumExp(), g.logSumExp(), 1e-5, SUM_AT);
                Tensor[] gy = pair(cl, 28, e.output().shape());
                AttentionGrads eg = cpu.attentionBackward(gy[0], q[0], k[0], v[0], e.output(), e.logSumExp(), m == null ? null : m[0], 0.25, causal);
                AttentionGrads gg = cl.attentionBackward(gy[1], q[1], k[1], v[1], g.output(), g.logSumExp(), m == null ? null : m[1], 0.25, causal);
                assertClose(what + " dq", eg.gradQ(), gg.gradQ(), 1e-4, 1e-4);
                assertClose(what + " dk", eg.gradK(), gg.gradK(), 1e-4, 1e-4);
                assertClose(what + " dv", eg.gradV(), gg.gradV(), 1e-4, 1e-4);
            }
        }
        // the fixed-dim forward kernels (head dims 40, 64, 80), with a causal mask and a ragged last tile
        for (int d : new int[] {40, 64, 80}) {
            Tensor[] qd = pair(cl, 50 + d, 1, 2, 67, d), kd = pair(cl, 51 + d, 1, 2, 35, d), vd = pair(cl, 52 + d, 1, 2, 35, d);
            AttentionResult e = cpu.attention(qd[0], kd[0], vd[0], null, 1 / Math.sqrt(d), true);
            AttentionResult g = cl.attention(qd[1], kd[1], vd[1], null, 1 / Math.sqrt(d), true);
            assertClose("attention d=" + d + " out", e.output(), g.output(), 1e-4, SUM_AT);
            assertClose("attention d=" + d + " lse", e.logSumExp(), g.logSumExp(), 1e-5, SUM_AT);
        }
        // a permuted (non-contiguous) q, as the model's head split produces
        Tensor[] qp = pair(cl, 29, 2, 70, 3, 16);
        assertClose("attention permuted q", cpu.attention(qp[0].transpose(1, 2), k[0], v[0], null, 0.25, false).output(),
                cl.attention(qp[1].transpose(1, 2), k[1], v[1], null, 0.25, false).output(), 1e-4, SUM_AT);
    }

    @Test
    void poolingAndUpsampling() {
        Tensor[] x = pair(cl, 30, 2, 3, 9, 10);
        assertClose("upsample", cpu.upsampleNearest(x[0], 2, 3), cl.upsampleNearest(x[1], 2, 3), 0, 0);
        Tensor[] gy = pair(cl, 31, 2, 3, 18, 30);
        assertClose("upsample backward", cpu.upsampleNearestBackward(gy[0], 2, 3), cl.upsampleNearestBackward(gy[1], 2, 3), RT, AT);
        for (Pool2dSpec p : List.of(Pool2dSpec.of(2, 2), new Pool2dSpec(3, 3, 2, 1, 1, 1))) {
            assertClose("avgPool " + p, cpu.avgPool2d(x[0], p), cl.avgPool2d(x[1], p), RT, AT);
            PoolResult e = cpu.maxPool2d(x[0], p), g = cl.maxPool2d(x[1], p);
            assertClose("maxPool " + p, e.output(), g.output(), 0, 0);
            assertExact("maxPool indices " + p, e.indices(), g.indices());
            Tensor[] go = pair(cl, 32, e.output().shape());
            assertClose("avgPool backward " + p, cpu.avgPool2dBackward(go[0], x[0].shape(), p), cl.avgPool2dBackward(go[1], x[1].shape(), p), RT, AT);
            assertClose("maxPool backward " + p, cpu.maxPool2dBackward(go[0], e.indices(), x[0].shape(), p),
                    cl.maxPool2dBackward(go[1], g.indices(), x[1].shape(), p), RT, AT);
        }
    }

    @Test
    void indexingAndLayout() {
        Tensor[] x = pair(cl, 33, 6, 4, 3);
        long[] idx = {5, 0, 0, 3, 1};
        Tensor ic = cpu.fromHost(idx, DType.I64, 5), ig = cl.fromHost(idx.clone(), DType.I64, 5);
        assertClose("indexSelect", cpu.indexSelect(x[0], 0, ic), cl.indexSelect(x[1], 0, ig), 0, 0);
        Tensor[] y = pair(cl, 34, 6, 2, 3);
        assertClose("concat", cpu.concat(List.of(x[0], y[0].transpose(0, 0)), 1), cl.concat(List.of(x[1], y[1]), 1), 0, 0);
        assertClose("pad", cpu.pad(x[0], new int[] {1, 2, 0, 1}, -3), cl.pad(x[1], new int[] {1, 2, 0, 1}, -3), 0, 0);
        Tensor[] src = pair(cl, 35, 5, 4, 3);
        assertClose("indexAdd", cpu.indexAdd(x[0], 0, ic, src[0]), cl.indexAdd(x[1], 0, ig, src[1]), RT, AT);
        Tensor bad = cl.fromHost(new long[] {2, 6}, DType.I64, 2);
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> cl.indexSelect(x[1], 0, bad));
    }

    /**
     * F16/BF16 storage with F32 compute, against the CPU doing the same: both round one F32 result to the
     * 16-bit type, and F32 results that differ in the last bits can round to neighbouring 16-bit values,
     * one 16-bit ulp apart: 2^-11 relative for f16, 2^-8 for bf16, inside torch's f16 rtol 1e-3 and bf16
     * rtol 1.6e-2 (atol 1e-5 as torch, raised to 1e-3 where sums of ~100 terms are rounded).
     */
    @Test
    void halfPrecisionStorage() {
        for (DType d : new DType[] {DType.F16, DType.BF16}) {
            double rt = d == DType.F16 ? 1e-3 : 1.6e-2;
            Tensor[] x = Compare.cast(pair(cl, 40, 2, 8, 6, 5), d), y = Compare.cast(pair(cl, 41, 8, 1, 1), d);
            assertClose(d.id() + " silu", cpu.unary(UnaryOp.SILU, x[0]), cl.unary(UnaryOp.SILU, x[1]), rt, 1e-5);
            assertClose(d.id() + " add broadcast", cpu.binary(BinaryOp.ADD, x[0], y[0]), cl.binary(BinaryOp.ADD, x[1], y[1]), rt, 1e-5);
            assertClose(d.id() + " softmax", cpu.softmax(x[0], -1), cl.softmax(x[1], -1), rt, 1e-5);
            assertClose(d.id() + " sum", cpu.reduce(ReduceOp.SUM, x[0], new int[] {1, 2}, false), cl.reduce(ReduceOp.SUM, x[1], new int[] {1, 2}, false), rt, 1e-3);
            assertClose(d.id() + " groupNorm", cpu.groupNorm(x[0], null, null, 4, 1e-5).output(), cl.groupNorm(x[1], null, null, 4, 1e-5).output(), rt, 1e-3);
            Tensor[] w = Compare.cast(pair(cl, 42, 4, 8, 3, 3), d), cb = Compare.cast(pair(cl, 44, 4), d);
            assertClose(d.id() + " conv2d", cpu.conv2d(x[0], w[0], cb[0], Conv2dSpec.of(1, 1)), cl.conv2d(x[1], w[1], cb[1], Conv2dSpec.of(1, 1)), rt, 1e-3);
            // several tiles and k-steps of the CUDA tensor-core conv (M = 70 output channels, K = 8*9 = 72, N = 2*11*9 = 198)
            Tensor[] xb = Compare.cast(pair(cl, 45, 2, 8, 11, 9), d), wb = Compare.cast(pair(cl, 46, 70, 8, 3, 3), d);
            assertClose(d.id() + " conv2d multi-tile", cpu.conv2d(xb[0], wb[0], null, Conv2dSpec.of(1, 1)),
                    cl.conv2d(xb[1], wb[1], null, Conv2dSpec.of(1, 1)), rt, 1e-2);
            for (Conv2dSpec spec : List.of(Conv2dSpec.of(1, 1), new Conv2dSpec(2, 1, 1, 0, 1, 2, 2))) {
                Tensor[] wg = Compare.cast(pair(cl, 48, 70, 8 / spec.groups(), 3, 3), d);
                Tensor e = cpu.conv2d(xb[0], wg[0], null, spec);
                Tensor[] gy = Compare.cast(pair(cl, 49, e.shape()), d);
                // gradients sum up to ~600 products of values <= 1: one 16-bit rounding of a result of size ~10
                assertClose(d.id() + " conv2d dInput " + spec, cpu.conv2dBackwardInput(gy[0], wg[0], xb[0].shape(), spec),
                        cl.conv2dBackwardInput(gy[1], wg[1], xb[1].shape(), spec), rt, 2e-2);
                assertClose(d.id() + " conv2d dWeight " + spec, cpu.conv2dBackwardWeight(gy[0], xb[0], wg[0].shape(), spec),
                        cl.conv2dBackwardWeight(gy[1], xb[1], wg[1].shape(), spec), rt, 2e-2);
            }
            Tensor[] q = Compare.cast(pair(cl, 43, 1, 2, 9, 8), d);
            assertClose(d.id() + " attention", cpu.attention(q[0], q[0], q[0], null, 0.35, true).output(),
                    cl.attention(q[1], q[1], q[1], null, 0.35, true).output(), rt, 1e-3);
            assertClose(d.id() + " upsample", cpu.upsampleNearest(x[0], 2, 2), cl.upsampleNearest(x[1], 2, 2), 0, 0);
            // head dims 40/64/80 (the CUDA tensor-core attention), ragged query and key tiles, causal and masked
            for (int hd : new int[] {40, 64, 80}) {
                Tensor[] qd = Compare.cast(pair(cl, 70 + hd, 1, 2, 70, hd), d), kd = Compare.cast(pair(cl, 71 + hd, 1, 2, 77, hd), d);
                Tensor[] vd = Compare.cast(pair(cl, 72 + hd, 1, 2, 77, hd), d), md = pair(cl, 73 + hd, 70, 77);
                for (boolean causal : new boolean[] {false, true}) {
                    AttentionResult e = cpu.attention(qd[0], kd[0], vd[0], md[0], 1 / Math.sqrt(hd), causal);
                    AttentionResult gr = cl.attention(qd[1], kd[1], vd[1], md[1], 1 / Math.sqrt(hd), causal);
                    // the probabilities enter P.V rounded to 16 bits: one more 16-bit rounding than the CPU's f32 path
                    assertClose(d.id() + " attention d=" + hd + " causal=" + causal, e.output(), gr.output(), 2 * rt, 2e-3);
                    assertClose(d.id() + " attention lse d=" + hd, e.logSumExp(), gr.logSumExp(), 1e-4, 1e-4);
                }
            }
        }
    }

    @Test
    void philoxMatchesTheCpuBitForBit() {
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            assertExact("uniform " + d.id(), cpu.uniform(d, 1234567890123L, 5, -2, 3, 7, 13), cl.uniform(d, 1234567890123L, 5, -2, 3, 7, 13));
            // normals: log/sin/cos may differ in the last bit of the double; one f32 rounding on top
            assertClose("normal " + d.id(), cpu.normal(d, 42, 3, 0.5, 2, 101), cl.normal(d, 42, 3, 0.5, 2, 101), 1e-6, 1e-6);
        }
    }
}
