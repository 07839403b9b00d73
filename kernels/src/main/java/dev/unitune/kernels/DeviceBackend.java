package dev.unitune.kernels;

import dev.unitune.kernels.device.DeviceApi;
import dev.unitune.kernels.device.DeviceBuffer;
import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.*;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole {@link Backend} interface, written once over a {@link DeviceApi} (OpenCL or CUDA). Layout
 * work (strided views, broadcasting, dtype conversion) happens in kernels via {@link ViewArg}; the heavy
 * ops live in one helper class per kernel family. F16/BF16 tensors are stored as 16-bit values and
 * computed in F32. F64 tensors may live here for transfers, copies and casts, but ops on them are refused
 * with a clear message (gradient checks in double run on the CPU).
 */
public abstract class DeviceBackend implements Backend {
    static final int BLOCK = 256;
    private static final int MAX_GRID = 4096; // grid-stride loops cover the rest

    final DeviceApi dev;
    private final AtomicLong allocated = new AtomicLong();
    private final ReduceOps reduceOps = new ReduceOps(this);
    private final SoftmaxOps softmaxOps = new SoftmaxOps(this);
    private final GemmOps gemmOps = new GemmOps(this);
    private final ConvOps convOps = new ConvOps(this);
    private final AttentionOps attentionOps = new AttentionOps(this);
    private final NormOps normOps = new NormOps(this);
    private final PoolOps poolOps = new PoolOps(this);
    private final IndexOps indexOps = new IndexOps(this);
    private final RandomOps randomOps = new RandomOps(this);

    protected DeviceBackend(DeviceApi dev) { this.dev = dev; }

    /** Ops that run as host copy + CPU op here. */
    public static final List<String> HOST_FALLBACK_OPS = List.of(
            "indexAdd", "scatterAdd", "gather", "argmax",
            "integer (i32/i64) arithmetic, comparisons and reductions", "casts between i32/i64/f64, f64 fill/arange",
            "attention with head dim > 160", "pad with negative (cropping) pads");

    /** Whether F16/BF16 matmuls may use the CUDA-only tensor-core kernel (gemm_tc.cu). */
    protected boolean tensorCoreGemm() { return false; }

    @Override public String description() { return dev.description(); }
    @Override public boolean preferredOverCpu() { return !dev.isCpuDevice(); }
    /** F64 tensors can live here (for transfers, copies and casts) but device kernels compute in f32 only. */
    @Override public boolean supports(DType dtype) { return true; }
    @Override public List<String> hostFallbackOps() { return HOST_FALLBACK_OPS; }
    @Override public void synchronize() { dev.synchronize(); }
    private volatile boolean closed;

    /** Releases the device context; buffers still alive die with it (later frees are no-ops). */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        dev.close();
    }
    @Override public long allocatedBytes() { return allocated.get(); }

    // ---- memory ---------------------------------------------------------------------------------------

    void releaseBuffer(DeviceBuffer b) {
        if (!closed) dev.free(b); // after close the context has taken every buffer with it
        allocated.addAndGet(-b.bytes());
    }

    /** A new contiguous device tensor. */
    Tensor alloc(DType dtype, int... shape) {
        int n = Shape.numel(shape);
        long bytes = (long) n * dtype.byteSize();
        DeviceBuffer b = dev.alloc(bytes);
        allocated.addAndGet(bytes);
        return Tensor.contiguousOver(new DeviceStorage(this, dtype, n, b), shape);
    }

    /** The device buffer of an op's input, with a clear error for foreign, freed or f64 tensors. */
    DeviceBuffer buf(Tensor t) {
        DeviceBuffer b = rawBuf(t);
        if (t.dtype() == DType.F64)
            throw new IllegalArgumentException(name() + " backend computes in f32: got f64 tensor " + t + " (cast it, or run f64 math on the cpu backend)");
        return b;
    }

    /** The device buffer of any tensor of this backend (f64 included: transfers and copies). */
    DeviceBuffer rawBuf(Tensor t) {
        if (t.backend() != this)
            throw new IllegalArgumentException("tensor " + t + " lives on backend '" + t.backend().name() + "', not on '" + name() + "'");
        return ((DeviceStorage) t.storage()).buffer();
    }

    /** 1-D launch with grid-stride loops: n work items. */
    void launch1d(String family, String kernel, int n, Object... args) {
        if (n <= 0) return;
        int grid = (int) Math.min(MAX_GRID, (n + (long) BLOCK - 1) / BLOCK);
        dev.launch(family, kernel, new int[] {grid}, new int[] {BLOCK}, args);
    }

    /** One block of `threads` per row: rows blocks in a 1-D grid. */
    void launchRows(String family, String kernel, int rows, int threads, Object... args) {
        if (rows <= 0) return;
        dev.launch(family, kernel, new int[] {rows}, new int[] {threads}, args);
    }

    static int dt(DType d) { return d.ordinal(); }

    static boolean isWideInt(DType d) { return d == DType.I32 || d == DType.I64; }

    /** Contiguous tensor of the given dtype with t's values (t itself when nothing changes). */
    Tensor contiguousAs(Tensor t, DType dtype) {
        if (t.dtype() == dtype && t.isContiguous() && t.offset() == 0 && t.storage().length() == t.numel()) return t;
        Tensor out = alloc(dtype, t.shape());
        copyInto(t, out);
        return out;
    }

    /** F32 contiguous copy (or t) for kernels that compute in F32. */
    Tensor f32(Tensor t) { return t == null ? null : contiguousAs(t, DType.F32); }

    /** Frees a temporary made by {@link #contiguousAs} (never the caller's tensor). */
    static void dropTemp(Tensor temp, Tensor original) {
        if (temp != null && temp != original) temp.close();
    }

    /** Result in F32 converted to the requested dtype (the F32 temp is freed). */
    Tensor fromF32(Tensor resultF32, DType dtype) {
        if (dtype == DType.F32) return resultF32;
        Tensor out = cast(resultF32, dtype);
        resultF32.close();
        return out;
    }

    /** Writes every element of view src into view dst (same shape), converting dtype. */
    void copyInto(Tensor src, Tensor dst) {
        if (!src.sameShape(dst)) throw new IllegalArgumentException("copy of " + Shape.str(src.shape()) + " into " + Shape.str(dst.shape()));
        if (src.dtype() != dst.dtype() && (src.dtype() == DType.F64 || dst.dtype() == DType.F64))
            throw new IllegalStateException("device copy cannot convert f64 (casts with f64 go through the host)");
        launch1d("elementwise", "copy_view", src.numel(), ViewArg.of(src), rawBuf(src), dt(src.dtype()), ViewArg.of(dst), rawBuf(dst), dt(dst.dtype()), src.numel());
    }

    // ---- creation and transfer --------------------------------------------------------------------------

    @Override
    public Tensor empty(DType dtype, int... shape) { return alloc(dtype, shape); }

    @Override
    public Tensor fromHost(Object array, DType dtype, int... shape) {
        HostArray.checkFor(array, dtype, shape);
        Tensor t = alloc(dtype, shape);
        dev.write(rawBuf(t), 0, array);
        return t;
    }

    @Override
    public Object toHost(Tensor t) {
        rawBuf(t);
        Tensor c = t.isContiguous() ? t : copy(t);
        Object arr = HostArray.allocate(t.dtype(), t.numel());
        dev.read(rawBuf(c), (long) c.offset() * t.dtype().byteSize(), arr);
        dropTemp(c, t);
        return arr;
    }

    @Override
    public Tensor fill(DType dtype, double value, int... shape) {
        if (dtype == DType.F64) return HostFallback.toDevice(this, Backends.cpu().fill(dtype, value, shape));
        Tensor out = alloc(dtype, shape);
        launch1d("elementwise", "fill_op", out.numel(), buf(out), dt(dtype), (float) value, (long) value, out.numel());
        return out;
    }

    @Override
    public Tensor arange(DType dtype, double start, double step, int n) {
        if (dtype == DType.F64) return HostFallback.toDevice(this, Backends.cpu().arange(dtype, start, step, n));
        Tensor out = alloc(dtype, n);
        launch1d("elementwise", "arange_op", n, buf(out), dt(dtype), (float) start, (float) step, (long) start, (long) step, n);
        return out;
    }

    @Override
    public Tensor copy(Tensor x) {
        Tensor out = alloc(x.dtype(), x.shape());
        if (x.isContiguous()) { // one device-to-device copy of the bytes, no kernel
            long elem = x.dtype().byteSize();
            dev.copy(rawBuf(x), x.offset() * elem, rawBuf(out), 0, x.numel() * elem);
        } else {
            copyInto(x, out);
        }
        return out;
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) {
        rawBuf(x);
        // Through f32 on the device, except where f32 would lose bits: anything with f64, and i32/i64 to integers.
        boolean viaHost = x.dtype() != dtype && (x.dtype() == DType.F64 || dtype == DType.F64 || (isWideInt(x.dtype()) && !dtype.isFloating()));
        if (viaHost)
            return HostFallback.toDevice(this, Backends.cpu().cast(HostFallback.toCpu(x), dtype));
        Tensor out = alloc(dtype, x.shape());
        copyInto(x, out);
        return out;
    }

    // ---- elementwise ------------------------------------------------------------------------------------

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        buf(x);
        if (isWideInt(x.dtype())) return HostFallback.toDevice(this, Backends.cpu().unary(op, HostFallback.toCpu(x)));
        Tensor out = alloc(x.dtype(), x.shape());
        launch1d("elementwise", "unary_op", out.numel(), op.ordinal(), ViewArg.of(x), buf(x), dt(x.dtype()), buf(out), out.numel());
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        buf(a);
        buf(b);
        if (a.dtype() != b.dtype() || isWideInt(a.dtype()))
            return HostFallback.toDevice(this, Backends.cpu().binary(op, HostFallback.toCpu(a), HostFallback.toCpu(b)));
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        DType outType = op.isComparison() ? DType.BOOL : a.dtype();
        Tensor out = alloc(outType, shape);
        launch1d("elementwise", "binary_op", out.numel(), op.ordinal(), ViewArg.of(a.expand(shape)), buf(a),
                ViewArg.of(b.expand(shape)), buf(b), dt(a.dtype()), buf(out), dt(outType), out.numel());
        return out;
    }

    @Override
    public Tensor binaryScalar(BinaryOp op, Tensor x, double scalar) {
        buf(x);
        if (isWideInt(x.dtype())) return HostFallback.toDevice(this, Backends.cpu().binaryScalar(op, HostFallback.toCpu(x), scalar));
        DType outType = op.isComparison() ? DType.BOOL : x.dtype();
        Tensor out = alloc(outType, x.shape());
        launch1d("elementwise", "binary_scalar_op", out.numel(), op.ordinal(), ViewArg.of(x), buf(x), dt(x.dtype()),
                (float) scalarAs(x.dtype(), scalar), buf(out), dt(outType), out.numel());
        return out;
    }

    /** "The scalar takes the tensor's dtype": round it the way a store of that dtype would. */
    private static double scalarAs(DType d, double s) {
        return switch (d) {
            case F16 -> Half.f16ToFloat(Half.floatToF16((float) s));
            case BF16 -> Half.bf16ToFloat(Half.floatToBf16((float) s));
            case U8 -> (double) (((byte) (long) s) & 0xff);
            case BOOL -> s != 0 ? 1 : 0;
            default -> s;
        };
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        buf(cond);
        buf(a);
        buf(b);
        if (a.dtype() != b.dtype() || isWideInt(a.dtype()) || isWideInt(cond.dtype()))
            return HostFallback.toDevice(this, Backends.cpu().where(HostFallback.toCpu(cond), HostFallback.toCpu(a), HostFallback.toCpu(b)));
        int[] shape = Shape.broadcast(cond.shape(), a.shape(), b.shape());
        Tensor out = alloc(a.dtype(), shape);
        launch1d("elementwise", "where_op", out.numel(), ViewArg.of(cond.expand(shape)), buf(cond), dt(cond.dtype()),
                ViewArg.of(a.expand(shape)), buf(a), ViewArg.of(b.expand(shape)), buf(b), dt(a.dtype()), buf(out), out.numel());
        return out;
    }

    @Override
    public Tensor clamp(Tensor x, double lo, double hi) {
        buf(x);
        if (isWideInt(x.dtype())) return HostFallback.toDevice(this, Backends.cpu().clamp(HostFallback.toCpu(x), lo, hi));
        Tensor out = alloc(x.dtype(), x.shape());
        launch1d("elementwise", "clamp_op", out.numel(), ViewArg.of(x), buf(x), dt(x.dtype()), (float) lo, (float) hi, buf(out), out.numel());
        return out;
    }

    // ---- delegated families ---------------------------------------------------------------------------

    @Override public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) { return reduceOps.reduce(op, x, axes, keepDims); }
    @Override public Tensor argmax(Tensor x, int axis, boolean keepDims) {
        return HostFallback.toDevice(this, Backends.cpu().argmax(HostFallback.toCpu(x), axis, keepDims));
    }
    @Override public Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims) { return reduceOps.variance(x, axes, correction, keepDims); }

    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) { return gemmOps.matmul(a, b, transA, transB); }

    @Override public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dSpec spec) { return convOps.forward(x, weight, bias, spec); }
    @Override public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, Conv2dSpec spec) { return convOps.backwardInput(gradOut, weight, inputShape, spec); }
    @Override public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec spec) { return convOps.backwardWeight(gradOut, x, weightShape, spec); }

    @Override public Tensor softmax(Tensor x, int axis) { return softmaxOps.forward(x, axis, false); }
    @Override public Tensor logSoftmax(Tensor x, int axis) { return softmaxOps.forward(x, axis, true); }
    @Override public Tensor softmaxBackward(Tensor y, Tensor gradY, int axis) { return softmaxOps.backward(y, gradY, axis, false); }
    @Override public Tensor logSoftmaxBackward(Tensor y, Tensor gradY, int axis) { return softmaxOps.backward(y, gradY, axis, true); }

    @Override public NormResult groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps) { return normOps.groupNorm(x, weight, bias, groups, eps); }
    @Override public NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int groups) { return normOps.groupNormBackward(gradOut, x, mean, rstd, weight, groups); }
    @Override public NormResult layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) { return normOps.layerNorm(x, normalizedDims, weight, bias, eps); }
    @Override public NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedDims) { return normOps.layerNormBackward(gradOut, x, mean, rstd, weight, normalizedDims); }

    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) { return attentionOps.forward(q, k, v, mask, scale, causal); }
    @Override public AttentionGrads attentionBackward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor out, Tensor logSumExp, Tensor mask, double scale, boolean causal) {
        return attentionOps.backward(gradOut, q, k, v, out, logSumExp, mask, scale, causal);
    }

    @Override public Tensor upsampleNearest(Tensor x, int factorH, int factorW) { return poolOps.upsample(x, factorH, factorW); }
    @Override public Tensor upsampleNearestBackward(Tensor gradOut, int factorH, int factorW) { return poolOps.upsampleBackward(gradOut, factorH, factorW); }
    @Override public Tensor avgPool2d(Tensor x, Pool2dSpec spec) { return poolOps.avgPool(x, spec); }
    @Override public Tensor avgPool2dBackward(Tensor gradOut, int[] inputShape, Pool2dSpec spec) { return poolOps.avgPoolBackward(gradOut, inputShape, spec); }
    @Override public PoolResult maxPool2d(Tensor x, Pool2dSpec spec) { return poolOps.maxPool(x, spec); }
    @Override public Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, int[] inputShape, Pool2dSpec spec) { return poolOps.maxPoolBackward(gradOut, indices, inputShape, spec); }

    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) { return indexOps.indexSelect(x, axis, index); }
    @Override public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        return HostFallback.toDevice(this, Backends.cpu().indexAdd(HostFallback.toCpu(target), axis, HostFallback.toCpu(index), HostFallback.toCpu(src)));
    }
    @Override public Tensor gather(Tensor x, int axis, Tensor index) {
        return HostFallback.toDevice(this, Backends.cpu().gather(HostFallback.toCpu(x), axis, HostFallback.toCpu(index)));
    }
    @Override public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        return HostFallback.toDevice(this, Backends.cpu().scatterAdd(HostFallback.toCpu(target), axis, HostFallback.toCpu(index), HostFallback.toCpu(src)));
    }
    @Override public Tensor concat(List<Tensor> parts, int axis) { return indexOps.concat(parts, axis); }
    @Override public Tensor pad(Tensor x, int[] pads, double value) { return indexOps.pad(x, pads, value); }

    @Override public Tensor uniform(DType dtype, long seed, long offset, double low, double high, int... shape) { return randomOps.uniform(dtype, seed, offset, low, high, shape); }
    @Override public Tensor normal(DType dtype, long seed, long offset, double mean, double std, int... shape) { return randomOps.normal(dtype, seed, offset, mean, std, shape); }
}
