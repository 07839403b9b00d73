package dev.unitune.tensor.cpu;

import dev.unitune.tensor.*;
import dev.unitune.tensor.cpu.fast.Threads;

import java.util.List;

/**
 * The reference CPU backend: every {@link Backend} op for every dtype, on Java arrays ({@link CpuStorage}).
 * Floats follow one rule: F64 stays in double throughout (so gradient checks can run the whole engine in
 * double); F32 uses the fast kernels in {@code cpu.fast} where time goes (SGEMM, conv2d, row softmax and
 * normalisation) and double-accumulated loops elsewhere; F16/BF16 compute on F32 values and round to
 * nearest even once. Integer dtypes support the ops where they make sense and get a clear error otherwise.
 * All work runs on the one shared pool ({@link Threads}: {@code -Dunitune.threads}, default = cores), and
 * every parallel split writes disjoint outputs, so results are bit-identical run to run.
 */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    public static CpuBackend instance() { return INSTANCE; }

    @Override public String name() { return "cpu"; }

    @Override public String description() {
        return "Java CPU backend, " + Threads.count() + " threads, " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap";
    }

    /** Number of threads the CPU kernels use (default: the cores; -Dunitune.threads or {@link #setThreads}). */
    public static int threads() { return Threads.count(); }

    /** Sets the CPU kernels' thread count; call while no op runs. Results do not depend on it, only speed. */
    public static void setThreads(int count) { Threads.setCount(count); }

    // ---- memory and creation -------------------------------------------------------------------------

    @Override public Tensor empty(DType dtype, int... shape) {
        return HostArrays.wrap(CpuStorage.newArray(dtype, Shape.numel(shape)), dtype, shape);
    }

    @Override public Tensor fromHost(Object array, DType dtype, int... shape) {
        int n = HostArray.checkFor(array, dtype, shape);
        Object copy = CpuStorage.newArray(dtype, n);
        System.arraycopy(array, 0, copy, 0, n);
        if (dtype == DType.BOOL) { byte[] b = (byte[]) copy; for (int i = 0; i < n; i++) b[i] = (byte) (b[i] != 0 ? 1 : 0); }
        return HostArrays.wrap(copy, dtype, shape);
    }

    @Override public Tensor adoptHost(Object array, DType dtype, int... shape) {
        int n = HostArray.checkFor(array, dtype, shape);
        if (dtype == DType.BOOL) { byte[] b = (byte[]) array; for (int i = 0; i < n; i++) b[i] = (byte) (b[i] != 0 ? 1 : 0); }
        return HostArrays.wrap(array, dtype, shape);
    }

    @Override public Object toHost(Tensor t) {
        HostArrays.storage(t);
        return HostArrays.rawCopy(t);
    }

    @Override public Tensor fill(DType dtype, double value, int... shape) {
        int n = Shape.numel(shape);
        Object arr = CpuStorage.newArray(dtype, n);
        switch (dtype) {
            case F32 -> java.util.Arrays.fill((float[]) arr, (float) value);
            case F64 -> java.util.Arrays.fill((double[]) arr, value);
            case F16, BF16 -> java.util.Arrays.fill((short[]) arr, Half.fromFloat((float) value, dtype));
            case I32 -> java.util.Arrays.fill((int[]) arr, (int) integral(value, dtype));
            case I64 -> java.util.Arrays.fill((long[]) arr, integral(value, dtype));
            case U8 -> java.util.Arrays.fill((byte[]) arr, (byte) integral(value, dtype));
            case BOOL -> java.util.Arrays.fill((byte[]) arr, (byte) (value != 0 ? 1 : 0));
        }
        return HostArrays.wrap(arr, dtype, shape);
    }

    private static long integral(double v, DType dt) {
        if (v != Math.rint(v)) throw new IllegalArgumentException("value " + v + " is not an integer, cannot fill a " + dt.id() + " tensor");
        return (long) v;
    }

    @Override public Tensor arange(DType dtype, double start, double step, int n) {
        if (n < 0) throw new IllegalArgumentException("arange: negative length " + n);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = start + i * step;
        return HostArrays.fromDoubles(v, dtype, new int[]{n});
    }

    @Override public Tensor copy(Tensor x) {
        return HostArrays.wrap(HostArrays.rawCopy(x), x.dtype(), x.shape());
    }

    @Override public Tensor cast(Tensor x, DType dtype) { return ElementwiseKernels.cast(x, dtype); }

    // ---- elementwise -------------------------------------------------------------------------------------

    @Override public Tensor unary(UnaryOp op, Tensor x) { return ElementwiseKernels.unary(op, x); }

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return ElementwiseKernels.binary(op, a, b); }

    @Override public Tensor binaryScalar(BinaryOp op, Tensor x, double scalar) { return ElementwiseKernels.binaryScalar(op, x, scalar); }

    @Override public Tensor where(Tensor cond, Tensor a, Tensor b) { return ElementwiseKernels.where(cond, a, b); }

    @Override public Tensor clamp(Tensor x, double lo, double hi) { return ElementwiseKernels.clamp(x, lo, hi); }

    // ---- reductions -----------------------------------------------------------------------------------

    @Override public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) { return ReductionKernels.reduce(op, x, axes, keepDims); }

    @Override public Tensor argmax(Tensor x, int axis, boolean keepDims) { return ReductionKernels.argmax(x, axis, keepDims); }

    @Override public Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims) {
        return ReductionKernels.variance(x, axes, correction, keepDims);
    }

    // ---- linear algebra ---------------------------------------------------------------------------------

    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return MatmulKernels.matmul(a, b, transA, transB);
    }

    // ---- convolution -----------------------------------------------------------------------------------

    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) {
        return ConvKernels.forward(x, weight, bias, spec);
    }

    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, Conv2dSpec spec) {
        return ConvKernels.backwardInput(gradOut, weight, inputShape, spec);
    }

    @Override public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec spec) {
        return ConvKernels.backwardWeight(gradOut, x, weightShape, spec);
    }

    // ---- softmax -----------------------------------------------------------------------------------------

    @Override public Tensor softmax(Tensor x, int axis) { return SoftmaxKernels.softmax(x, axis, false); }

    @Override public Tensor logSoftmax(Tensor x, int axis) { return SoftmaxKernels.softmax(x, axis, true); }

    @Override public Tensor softmaxBackward(Tensor y, Tensor gradY, int axis) { return SoftmaxKernels.backward(y, gradY, axis, false); }

    @Override public Tensor logSoftmaxBackward(Tensor y, Tensor gradY, int axis) { return SoftmaxKernels.backward(y, gradY, axis, true); }

    // ---- normalisation -------------------------------------------------------------------------------

    @Override public NormResult groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps) {
        return NormKernels.groupNorm(x, weight, bias, groups, eps);
    }

    @Override public NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int groups) {
        return NormKernels.groupNormBackward(gradOut, x, mean, rstd, weight, groups);
    }

    @Override public NormResult layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) {
        return NormKernels.layerNorm(x, normalizedDims, weight, bias, eps);
    }

    @Override public NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedDims) {
        return NormKernels.layerNormBackward(gradOut, x, mean, rstd, weight, normalizedDims);
    }

    // ---- attention -------------------------------------------------------------------------------------

    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) {
        return AttentionKernels.forward(q, k, v, mask, scale, causal);
    }

    @Override public AttentionGrads attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor logSumExp,
                                                      Tensor mask, double scale, boolean causal) {
        return AttentionKernels.backward(gradOut, q, k, v, out, logSumExp, mask, scale, causal);
    }

    // ---- resampling and pooling ------------------------------------------------------------------------

    @Override public Tensor upsampleNearest(Tensor x, int factorH, int factorW) { return PoolKernels.upsampleNearest(x, factorH, factorW); }

    @Override public Tensor upsampleNearestBackward(Tensor gradOut, int factorH, int factorW) {
        return PoolKernels.upsampleNearestBackward(gradOut, factorH, factorW);
    }

    @Override public Tensor avgPool2d(Tensor x, Pool2dSpec spec) { return PoolKernels.avgPool2d(x, spec); }

    @Override public Tensor avgPool2dBackward(Tensor gradOut, int[] inputShape, Pool2dSpec spec) {
        return PoolKernels.avgPool2dBackward(gradOut, inputShape, spec);
    }

    @Override public PoolResult maxPool2d(Tensor x, Pool2dSpec spec) { return PoolKernels.maxPool2d(x, spec); }

    @Override public Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, int[] inputShape, Pool2dSpec spec) {
        return PoolKernels.maxPool2dBackward(gradOut, indices, inputShape, spec);
    }

    // ---- indexing and layout ---------------------------------------------------------------------------

    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) { return IndexKernels.indexSelect(x, axis, index); }

    @Override public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) { return IndexKernels.indexAdd(target, axis, index, src); }

    @Override public Tensor gather(Tensor x, int axis, Tensor index) { return IndexKernels.gather(x, axis, index); }

    @Override public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) { return IndexKernels.scatterAdd(target, axis, index, src); }

    @Override public Tensor concat(List<Tensor> parts, int axis) { return IndexKernels.concat(parts, axis); }

    @Override public Tensor pad(Tensor x, int[] pads, double value) { return IndexKernels.pad(x, pads, value); }

    // ---- random ---------------------------------------------------------------------------------------

    @Override public Tensor uniform(DType dtype, long seed, long offset, double low, double high, int... shape) {
        return RandomKernels.uniform(dtype, seed, offset, low, high, shape);
    }

    @Override public Tensor normal(DType dtype, long seed, long offset, double mean, double std, int... shape) {
        return RandomKernels.normal(dtype, seed, offset, mean, std, shape);
    }
}
