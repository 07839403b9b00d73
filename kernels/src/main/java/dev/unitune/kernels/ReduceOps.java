package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Tensor;

/** reduce and variance on the device (reduce.cu); integer inputs go to the CPU (f32 would round them). */
final class ReduceOps {
    private static final int VARIANCE = 5;
    private final DeviceBackend b;

    ReduceOps(DeviceBackend b) { this.b = b; }

    Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        b.buf(x);
        if (!x.dtype().isFloating())
            return HostFallback.toDevice(b, Backends.cpu().reduce(op, HostFallback.toCpu(x), axes, keepDims));
        return run(op.ordinal(), x, axes, keepDims, 0);
    }

    Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims) {
        b.buf(x);
        if (!x.dtype().isFloating())
            return HostFallback.toDevice(b, Backends.cpu().variance(HostFallback.toCpu(x), axes, correction, keepDims));
        return run(VARIANCE, x, axes, keepDims, correction);
    }

    private Tensor run(int op, Tensor x, int[] axes, boolean keepDims, int correction) {
        RowLayout rl = RowLayout.of(x.shape(), axes);
        DType outType = x.dtype();
        Tensor out = b.alloc(outType, rl.outShape(x.shape(), keepDims));
        ViewArg view = ViewArg.of(x.permute(rl.perm()));
        int dt = DeviceBackend.dt(x.dtype()), rows = rl.rows(), inner = rl.inner();
        if (rl.threadPerRow()) {
            b.launch1d("reduce", "reduce_rows_thread", rows, op, view, b.buf(x), dt, rows, inner, b.buf(out), DeviceBackend.dt(outType), correction);
            return out;
        }
        // long rows: strided slices per thread into partials, then one thread per row combines them
        int parts = Math.max(1, Math.min(256, Math.min(inner / 16, (8192 + rows - 1) / rows)));
        try (Tensor partial = b.alloc(DType.F32, rows * parts)) {
            if (op == VARIANCE) {
                try (Tensor mean = b.alloc(DType.F32, rows)) {
                    partials(ReduceOp.SUM.ordinal(), view, x, rows, inner, parts, partial, null);
                    b.launch1d("reduce", "reduce_finish", rows, ReduceOp.MEAN.ordinal(), rows, inner, parts, b.buf(partial),
                            b.buf(mean), DeviceBackend.dt(DType.F32), 0);
                    partials(ReduceOp.SUM.ordinal(), view, x, rows, inner, parts, partial, mean);
                }
            } else {
                partials(op, view, x, rows, inner, parts, partial, null);
            }
            b.launch1d("reduce", "reduce_finish", rows, op, rows, inner, parts, b.buf(partial), b.buf(out), DeviceBackend.dt(outType), correction);
        }
        return out;
    }

    private void partials(int op, ViewArg view, Tensor x, int rows, int inner, int parts, Tensor partial, Tensor mean) {
        b.launch1d("reduce", "reduce_partials", rows * parts, op, view, b.buf(x), DeviceBackend.dt(x.dtype()), rows, inner, parts,
                mean == null ? b.buf(partial) : b.buf(mean), mean == null ? 0 : 1, b.buf(partial));
    }
}
