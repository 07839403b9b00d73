package dev.unitune.tensor;

import java.util.List;

/**
 * The small set of primitive ops every device implements, plus the fused ops that matter for speed.
 * The CPU backend is the reference; every other backend is tested against it by properties.
 *
 * <p>Conventions shared by all ops:
 * <ul>
 *   <li>Inputs may be any strided view (non-contiguous, broadcast with zero strides); outputs are new,
 *       contiguous tensors on this backend. Inputs are never modified.</li>
 *   <li>Float inputs of one op share a dtype; the result has that dtype (F16/BF16 compute in F32).</li>
 *   <li>All inputs must live on this backend; an op given a foreign tensor throws naming both backends.</li>
 *   <li>Bad shapes throw {@link IllegalArgumentException} naming the op and the shapes.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    // ---- identity -------------------------------------------------------------------------------------

    /** Short id: "cpu", "opencl", "cuda". */
    String name();

    /** One line for `unitune info`: device name, memory, compute units. */
    String description();

    /** Whether auto-selection should pick this backend over the Java CPU backend (false for CPU OpenCL devices). */
    default boolean preferredOverCpu() { return false; }

    /** Whether tensors of this dtype can live here. */
    default boolean supports(DType dtype) { return true; }

    /** Ops that run as host copy + CPU op on this backend (listed by `unitune info --ops`); none on the CPU. */
    default List<String> hostFallbackOps() { return List.of(); }

    /** Waits until queued work is done (no-op on the CPU). */
    default void synchronize() {}

    @Override
    default void close() {}

    // ---- memory and creation -------------------------------------------------------------------------

    /** Bytes of device memory currently allocated by this backend (0 where not tracked, e.g. the CPU). */
    default long allocatedBytes() { return 0; }

    /** Uninitialised contiguous tensor (zeros on the CPU). */
    Tensor empty(DType dtype, int... shape);

    /**
     * Copies a host array into a new contiguous tensor. The array class follows the dtype: float[] F32,
     * double[] F64, short[] F16/BF16 (raw bits), int[] I32, long[] I64, byte[] U8/BOOL.
     */
    Tensor fromHost(Object array, DType dtype, int... shape);

    /**
     * Like {@link #fromHost}, but the caller hands the array over and never touches it again, so a backend
     * that keeps host memory (the CPU) may adopt it instead of copying: loaders that decode straight into a
     * fresh array use this to avoid a second copy of every weight. Device backends copy as usual.
     */
    default Tensor adoptHost(Object array, DType dtype, int... shape) { return fromHost(array, dtype, shape); }

    /** A new row-major host array of the tensor's elements, of the class {@link #fromHost} takes for its dtype. */
    Object toHost(Tensor t);

    Tensor fill(DType dtype, double value, int... shape);

    /** start, start+step, ... (n elements). */
    Tensor arange(DType dtype, double start, double step, int n);

    /** Contiguous copy of any view. */
    Tensor copy(Tensor x);

    /** Dtype conversion; F32 to F16/BF16 rounds to nearest even, float to int truncates toward zero. */
    Tensor cast(Tensor x, DType dtype);

    // ---- elementwise -------------------------------------------------------------------------------------

    Tensor unary(UnaryOp op, Tensor x);

    /** a op b with NumPy broadcasting; comparisons return BOOL. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** x op scalar (e.g. x * 0.5, x ^ 2); the scalar takes the tensor's dtype. */
    Tensor binaryScalar(BinaryOp op, Tensor x, double scalar);

    /** cond ? a : b with broadcasting of all three; cond is BOOL (or any dtype, nonzero = true). */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    /** min(max(x, lo), hi); pass +-Infinity for a one-sided clamp. */
    Tensor clamp(Tensor x, double lo, double hi);

    // ---- reductions -----------------------------------------------------------------------------------

    /** Reduce over the given axes (empty = all axes). */
    Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims);

    /** Index (I64) of the first maximum along one axis. */
    Tensor argmax(Tensor x, int axis, boolean keepDims);

    /** Variance over axes with Bessel-style correction (0 = population, 1 = sample). */
    Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims);

    // ---- linear algebra ---------------------------------------------------------------------------------

    /**
     * Batched matrix product of the last two dims, batch dims broadcast: a is [..., M, K] ([..., K, M]
     * if transA), b is [..., K, N] ([..., N, K] if transB); the result is [..., M, N].
     */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB);

    // ---- convolution -----------------------------------------------------------------------------------

    /** x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or null. */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec);

    /** Gradient with respect to the input, of shape inputShape. */
    Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, Conv2dSpec spec);

    /** Gradient with respect to the weight, of shape weightShape (bias gradient = sum of gradOut over N, H, W). */
    Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec spec);

    // ---- softmax -----------------------------------------------------------------------------------------

    Tensor softmax(Tensor x, int axis);

    Tensor logSoftmax(Tensor x, int axis);

    /** Given y = softmax(x) and dL/dy, returns dL/dx = y * (gy - sum(gy * y)). */
    Tensor softmaxBackward(Tensor y, Tensor gradY, int axis);

    /** Given y = logSoftmax(x) and dL/dy, returns dL/dx = gy - exp(y) * sum(gy). */
    Tensor logSoftmaxBackward(Tensor y, Tensor gradY, int axis);

    // ---- normalisation -------------------------------------------------------------------------------

    /** x [N, C, ...], weight/bias [C] or null; statistics over (C/groups, ...) per (n, group). */
    NormResult groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps);

    NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int groups);

    /** Normalises over the last {@code normalizedDims} dims; weight/bias have those dims' shape, or null. */
    NormResult layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps);

    NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedDims);

    // ---- attention -------------------------------------------------------------------------------------

    /**
     * softmax(q k^T * scale + mask) v. q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv]; mask is an
     * additive float tensor broadcastable to [B, H, Lq, Lk] (use -inf to hide a key) or null; causal hides
     * key j from query i when j > i (PyTorch's is_causal, top-left aligned). A query row whose keys are
     * all hidden outputs zeros.
     */
    AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal);

    AttentionGrads attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor logSumExp,
                                     Tensor mask, double scale, boolean causal);

    // ---- resampling and pooling ------------------------------------------------------------------------

    /** Nearest-neighbour upsampling of the last two dims by integer factors. */
    Tensor upsampleNearest(Tensor x, int factorH, int factorW);

    /** Sum of the gradient over each factorH x factorW block. */
    Tensor upsampleNearestBackward(Tensor gradOut, int factorH, int factorW);

    Tensor avgPool2d(Tensor x, Pool2dSpec spec);

    Tensor avgPool2dBackward(Tensor gradOut, int[] inputShape, Pool2dSpec spec);

    PoolResult maxPool2d(Tensor x, Pool2dSpec spec);

    Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, int[] inputShape, Pool2dSpec spec);

    // ---- indexing and layout ---------------------------------------------------------------------------

    /** Rows of x along axis picked by a 1-D I32/I64 index (e.g. an embedding lookup). */
    Tensor indexSelect(Tensor x, int axis, Tensor index);

    /** out = target with src's slices added at index positions along axis (index_add; the embedding backward). */
    Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src);

    /** torch.gather: out[i][j] = x[i][index[i][j]] along axis; index has the output's shape. */
    Tensor gather(Tensor x, int axis, Tensor index);

    /** torch.scatter_add, out of place: target with src added at index positions along axis. */
    Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src);

    Tensor concat(List<Tensor> parts, int axis);

    /** Constant padding; pads lists (before, after) pairs starting from the LAST dim, as torch.nn.functional.pad. */
    Tensor pad(Tensor x, int[] pads, double value);

    // ---- random ---------------------------------------------------------------------------------------

    /**
     * Uniform [low, high) from Philox4x32-10 keyed by seed; element i uses counter offset + i (see
     * Philox), so every backend gives the same numbers for the same (seed, offset).
     */
    Tensor uniform(DType dtype, long seed, long offset, double low, double high, int... shape);

    /** Normal(mean, std) by Box-Muller on Philox uniforms; same numbers on every backend. */
    Tensor normal(DType dtype, long seed, long offset, double mean, double std, int... shape);
}
