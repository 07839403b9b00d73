package dev.unitune.tensor.cpu;

import dev.unitune.tensor.*;

import java.util.List;

/** SKELETON — being written. The reference CPU backend. */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();
    public static CpuBackend instance() { return INSTANCE; }
    private static UnsupportedOperationException todo() { return new UnsupportedOperationException("not yet"); }
    public String name() { return "cpu"; }
    public String description() { return "Java CPU backend"; }
    public Tensor empty(DType dtype, int... shape) { throw todo(); }
    public Tensor fromHost(Object array, DType dtype, int... shape) { throw todo(); }
    public Object toHost(Tensor t) { throw todo(); }
    public Tensor fill(DType dtype, double value, int... shape) { throw todo(); }
    public Tensor arange(DType dtype, double start, double step, int n) { throw todo(); }
    public Tensor copy(Tensor x) { throw todo(); }
    public Tensor cast(Tensor x, DType dtype) { throw todo(); }
    public Tensor unary(UnaryOp op, Tensor x) { throw todo(); }
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) { throw todo(); }
    public Tensor binaryScalar(BinaryOp op, Tensor x, double scalar) { throw todo(); }
    public Tensor where(Tensor cond, Tensor a, Tensor b) { throw todo(); }
    public Tensor clamp(Tensor x, double lo, double hi) { throw todo(); }
    public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) { throw todo(); }
    public Tensor argmax(Tensor x, int axis, boolean keepDims) { throw todo(); }
    public Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims) { throw todo(); }
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) { throw todo(); }
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) { throw todo(); }
    public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, Conv2dSpec spec) { throw todo(); }
    public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec spec) { throw todo(); }
    public Tensor softmax(Tensor x, int axis) { throw todo(); }
    public Tensor logSoftmax(Tensor x, int axis) { throw todo(); }
    public Tensor softmaxBackward(Tensor y, Tensor gradY, int axis) { throw todo(); }
    public Tensor logSoftmaxBackward(Tensor y, Tensor gradY, int axis) { throw todo(); }
    public NormResult groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps) { throw todo(); }
    public NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int groups) { throw todo(); }
    public NormResult layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) { throw todo(); }
    public NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedDims) { throw todo(); }
    public AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) { throw todo(); }
    public AttentionGrads attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor logSumExp, Tensor mask, double scale, boolean causal) { throw todo(); }
    public Tensor upsampleNearest(Tensor x, int factorH, int factorW) { throw todo(); }
    public Tensor upsampleNearestBackward(Tensor gradOut, int factorH, int factorW) { throw todo(); }
    public Tensor avgPool2d(Tensor x, Pool2dSpec spec) { throw todo(); }
    public Tensor avgPool2dBackward(Tensor gradOut, int[] inputShape, Pool2dSpec spec) { throw todo(); }
    public PoolResult maxPool2d(Tensor x, Pool2dSpec spec) { throw todo(); }
    public Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, int[] inputShape, Pool2dSpec spec) { throw todo(); }
    public Tensor indexSelect(Tensor x, int axis, Tensor index) { throw todo(); }
    public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) { throw todo(); }
    public Tensor gather(Tensor x, int axis, Tensor index) { throw todo(); }
    public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) { throw todo(); }
    public Tensor concat(List<Tensor> parts, int axis) { throw todo(); }
    public Tensor pad(Tensor x, int[] pads, double value) { throw todo(); }
    public Tensor uniform(DType dtype, long seed, long offset, double low, double high, int... shape) { throw todo(); }
    public Tensor normal(DType dtype, long seed, long offset, double mean, double std, int... shape) { throw todo(); }
}
