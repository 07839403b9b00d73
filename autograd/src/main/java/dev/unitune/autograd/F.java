package dev.unitune.autograd;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import java.util.Arrays;
import java.util.List;

/**
 * Every differentiable op, as static functions over {@link Var}s (the torch.nn.functional of this project).
 * Each op runs its forward on the inputs' backend and, when grad mode is on and an input requires a
 * gradient, records a node whose backward formula also uses backend ops. Index tensors and masks are
 * plain {@link Tensor}s: they are never differentiated.
 */
public final class F {
    private F() {}

    // ---- elementwise, broadcasting ---------------------------------------------------------------------

    public static Var add(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.ADD, a, b); }
    public static Var sub(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.SUB, a, b); }
    public static Var mul(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.MUL, a, b); }
    public static Var div(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.DIV, a, b); }
    /** a^b elementwise; the gradient with respect to b needs a > 0. */
    public static Var pow(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.POW, a, b); }
    public static Var maximum(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.MAX, a, b); }
    public static Var minimum(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.MIN, a, b); }
    public static Var atan2(Var a, Var b) { return ElementwiseOps.binary(BinaryOp.ATAN2, a, b); }
    /** Any {@link BinaryOp}; comparisons and logical ops return constant BOOL results. */
    public static Var binary(BinaryOp op, Var a, Var b) { return ElementwiseOps.binary(op, a, b); }

    public static Var add(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.ADD, a, s, false); }
    public static Var sub(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.SUB, a, s, false); }
    /** s - a. */
    public static Var rsub(double s, Var a) { return ElementwiseOps.scalar(BinaryOp.SUB, a, s, true); }
    public static Var mul(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.MUL, a, s, false); }
    public static Var div(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.DIV, a, s, false); }
    /** s / a. */
    public static Var rdiv(double s, Var a) { return ElementwiseOps.scalar(BinaryOp.DIV, a, s, true); }
    public static Var pow(Var a, double exponent) { return ElementwiseOps.scalar(BinaryOp.POW, a, exponent, false); }
    public static Var maximum(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.MAX, a, s, false); }
    public static Var minimum(Var a, double s) { return ElementwiseOps.scalar(BinaryOp.MIN, a, s, false); }

    // ---- unary -------------------------------------------------------------------------------------------

    /** Any {@link UnaryOp}; piecewise-constant ones (sign, floor, ceil, round, not) return constants. */
    public static Var unary(UnaryOp op, Var a) { return ElementwiseOps.unary(op, a); }
    public static Var neg(Var a) { return unary(UnaryOp.NEG, a); }
    public static Var abs(Var a) { return unary(UnaryOp.ABS, a); }
    public static Var exp(Var a) { return unary(UnaryOp.EXP, a); }
    public static Var log(Var a) { return unary(UnaryOp.LOG, a); }
    public static Var sqrt(Var a) { return unary(UnaryOp.SQRT, a); }
    public static Var rsqrt(Var a) { return unary(UnaryOp.RSQRT, a); }
    public static Var reciprocal(Var a) { return unary(UnaryOp.RECIPROCAL, a); }
    public static Var square(Var a) { return unary(UnaryOp.SQUARE, a); }
    public static Var sin(Var a) { return unary(UnaryOp.SIN, a); }
    public static Var cos(Var a) { return unary(UnaryOp.COS, a); }
    public static Var tanh(Var a) { return unary(UnaryOp.TANH, a); }
    public static Var sigmoid(Var a) { return unary(UnaryOp.SIGMOID, a); }
    public static Var relu(Var a) { return unary(UnaryOp.RELU, a); }
    public static Var silu(Var a) { return unary(UnaryOp.SILU, a); }
    /** Exact GELU, x Phi(x) with erf. */
    public static Var gelu(Var a) { return unary(UnaryOp.GELU, a); }
    /** GELU with the tanh approximation (approximate="tanh"). */
    public static Var geluTanh(Var a) { return unary(UnaryOp.GELU_TANH, a); }
    /** x sigmoid(1.702 x), CLIP's activation. */
    public static Var quickGelu(Var a) { return unary(UnaryOp.QUICK_GELU, a); }
    public static Var erf(Var a) { return unary(UnaryOp.ERF, a); }
    public static Var log1p(Var a) { return unary(UnaryOp.LOG1P, a); }
    public static Var expm1(Var a) { return unary(UnaryOp.EXPM1, a); }

    /** cond ? a : b with broadcasting; cond is not differentiated. */
    public static Var where(Tensor cond, Var a, Var b) { return ElementwiseOps.where(Var.constant(cond), a, b); }

    /** min(max(x, lo), hi); use +-Infinity for one side. */
    public static Var clamp(Var a, double lo, double hi) { return ElementwiseOps.clamp(a, lo, hi); }

    public static Var cast(Var a, DType dtype) { return ElementwiseOps.cast(a, dtype); }

    // ---- reductions ---------------------------------------------------------------------------------------

    public static Var sum(Var a) { return ReductionOps.reduce(ReduceOp.SUM, a, new int[0], false); }
    public static Var sum(Var a, int[] axes, boolean keepDims) { return ReductionOps.reduce(ReduceOp.SUM, a, axes, keepDims); }
    public static Var mean(Var a) { return ReductionOps.reduce(ReduceOp.MEAN, a, new int[0], false); }
    public static Var mean(Var a, int[] axes, boolean keepDims) { return ReductionOps.reduce(ReduceOp.MEAN, a, axes, keepDims); }
    /** Maximum over axes (amax); ties share the gradient evenly. */
    public static Var max(Var a, int[] axes, boolean keepDims) { return ReductionOps.reduce(ReduceOp.MAX, a, axes, keepDims); }
    public static Var min(Var a, int[] axes, boolean keepDims) { return ReductionOps.reduce(ReduceOp.MIN, a, axes, keepDims); }
    /** Product over axes; its gradient divides by the input, so inputs must be nonzero. */
    public static Var prod(Var a, int[] axes, boolean keepDims) { return ReductionOps.reduce(ReduceOp.PROD, a, axes, keepDims); }
    /** Variance over axes; correction 0 = population (biased), 1 = sample (unbiased, torch's default). */
    public static Var var(Var a, int[] axes, int correction, boolean keepDims) { return ReductionOps.variance(a, axes, correction, keepDims); }

    // ---- linear algebra -------------------------------------------------------------------------------------

    public static Var matmul(Var a, Var b) { return LinalgOps.matmul(a, b, false, false); }
    /** op(a) op(b) with the last two dims transposed where asked; batch dims broadcast. */
    public static Var matmul(Var a, Var b, boolean transA, boolean transB) { return LinalgOps.matmul(a, b, transA, transB); }
    /** x W^T + b for x [..., in], W [out, in], b [out] or null. */
    public static Var linear(Var x, Var weight, Var bias) { return LinalgOps.linear(x, weight, bias); }

    // ---- convolution, pooling, resampling -------------------------------------------------------------------

    /** x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null. */
    public static Var conv2d(Var x, Var weight, Var bias, Conv2dSpec spec) { return SpatialOps.conv2d(x, weight, bias, spec); }
    public static Var upsampleNearest(Var x, int factorH, int factorW) { return SpatialOps.upsampleNearest(x, factorH, factorW); }
    public static Var avgPool2d(Var x, Pool2dSpec spec) { return SpatialOps.avgPool2d(x, spec); }
    public static Var maxPool2d(Var x, Pool2dSpec spec) { return SpatialOps.maxPool2d(x, spec); }

    // ---- softmax, normalisation, attention --------------------------------------------------------------------

    public static Var softmax(Var x, int axis) {
        Tensor t = x.tensor();
        Tensor y = t.backend().softmax(t, axis);
        if (!Graph.needsGrad(x)) return Var.constant(y);
        return Var.fromOp("softmax", y, g -> new Tensor[]{g.backend().softmaxBackward(y, g, axis)}, x);
    }

    public static Var logSoftmax(Var x, int axis) {
        Tensor t = x.tensor();
        Tensor y = t.backend().logSoftmax(t, axis);
        if (!Graph.needsGrad(x)) return Var.constant(y);
        return Var.fromOp("log_softmax", y, g -> new Tensor[]{g.backend().logSoftmaxBackward(y, g, axis)}, x);
    }

    /** x [N, C, ...]; weight/bias [C] or null; biased variance per (sample, group). */
    public static Var groupNorm(Var x, int groups, Var weight, Var bias, double eps) { return NormOps.groupNorm(x, groups, weight, bias, eps); }

    /** Normalises over the last {@code normalizedDims} dims; weight/bias of those dims' shape, or null. */
    public static Var layerNorm(Var x, int normalizedDims, Var weight, Var bias, double eps) { return NormOps.layerNorm(x, normalizedDims, weight, bias, eps); }

    /**
     * softmax(q k^T * scale + mask) v for q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv]; mask additive
     * (-inf hides a key) or null; causal = top-left aligned (key j hidden from query i when j > i).
     */
    public static Var attention(Var q, Var k, Var v, Tensor mask, double scale, boolean causal) { return AttentionOps.attention(q, k, v, mask, scale, causal); }

    /** Attention with the default scale 1/sqrt(D). */
    public static Var attention(Var q, Var k, Var v, Tensor mask, boolean causal) { return attention(q, k, v, mask, 1 / Math.sqrt(q.dim(-1)), causal); }

    // ---- indexing -----------------------------------------------------------------------------------------

    public static Var indexSelect(Var x, int axis, Tensor index) { return IndexOps.indexSelect(x, axis, index); }
    /** Rows of weight [num, dim] for integer ids of any shape; the result has shape ids.shape + [dim]. */
    public static Var embedding(Var weight, Tensor ids) { return IndexOps.embedding(weight, ids); }
    public static Var gather(Var x, int axis, Tensor index) { return IndexOps.gather(x, axis, index); }
    /** index_add, out of place: target plus src's slices at the index positions along axis. */
    public static Var indexAdd(Var target, int axis, Tensor index, Var src) { return IndexOps.indexAdd(target, axis, index, src); }
    /** scatter_add, out of place: target plus src added at index positions along axis. */
    public static Var scatterAdd(Var target, int axis, Tensor index, Var src) { return IndexOps.scatterAdd(target, axis, index, src); }
    /** Index (I64) of the first maximum along an axis; not differentiable, so a plain tensor. */
    public static Tensor argmax(Var x, int axis, boolean keepDims) { return x.tensor().backend().argmax(x.tensor(), axis, keepDims); }

    // ---- layout -------------------------------------------------------------------------------------------

    public static Var concat(List<Var> parts, int axis) { return LayoutOps.concat(parts, axis); }
    public static Var concat(int axis, Var... parts) { return LayoutOps.concat(Arrays.asList(parts), axis); }
    public static List<Var> split(Var x, int[] sizes, int axis) { return LayoutOps.split(x, sizes, axis); }
    public static List<Var> chunk(Var x, int chunks, int axis) { return LayoutOps.chunk(x, chunks, axis); }
    public static Var narrow(Var x, int axis, int start, int length) { return LayoutOps.narrow(x, axis, start, length); }
    /** Index one position along an axis, dropping the axis. */
    public static Var select(Var x, int axis, int index) { return squeeze(narrow(x, axis, index, 1), axis); }
    public static Var reshape(Var x, int... shape) { return LayoutOps.reshape(x, shape); }
    /** A reshape that must not copy (throws on a non-contiguous input). */
    public static Var view(Var x, int... shape) {
        if (!x.tensor().isContiguous()) x.tensor().view(shape); // throws the tensor layer's clear error
        return LayoutOps.reshape(x, shape);
    }
    public static Var flatten(Var x, int fromAxis) {
        int[] s = x.shape();
        int a = dev.unitune.tensor.Shape.axis(fromAxis, s.length);
        int[] ns = Arrays.copyOf(s, a + 1);
        ns[a] = -1;
        return reshape(x, ns);
    }
    public static Var permute(Var x, int... axes) { return LayoutOps.permute(x, axes); }
    public static Var transpose(Var x, int a, int b) { return LayoutOps.transpose(x, a, b); }
    public static Var expand(Var x, int... shape) { return LayoutOps.expand(x, shape); }
    public static Var squeeze(Var x, int axis) { return LayoutOps.squeeze(x, axis); }
    public static Var unsqueeze(Var x, int axis) { return LayoutOps.unsqueeze(x, axis); }
    public static Var contiguous(Var x) { return LayoutOps.contiguous(x); }
    /** Constant padding, pairs (before, after) from the LAST dim, as torch.nn.functional.pad. */
    public static Var pad(Var x, int[] pads, double value) { return LayoutOps.pad(x, pads, value); }

    // ---- random --------------------------------------------------------------------------------------------

    /** Inverted dropout with a mask drawn from the default generator; identity when not training. */
    public static Var dropout(Var x, double p, boolean training) { return RandomOps.dropout(x, p, training, Generator.defaultGenerator()); }
    public static Var dropout(Var x, double p, boolean training, Generator gen) { return RandomOps.dropout(x, p, training, gen); }
}
