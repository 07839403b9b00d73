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
        if (rl.threadPerRow() || Boolean.getBoolean("h5.thread"))
            b.launch1d("reduce", "reduce_rows_thread", rl.rows(), op, view, b.buf(x), DeviceBackend.dt(x.dtype()), rl.rows(), rl.inner(),
                    b.buf(out), DeviceBackend.dt(outType), correction);
        else
            b.launchRows("reduce", "reduce_rows_block", rl.rows(), DeviceBackend.BLOCK, op, view, b.buf(x), DeviceBackend.dt(x.dtype()),
                    rl.rows(), rl.inner(), b.buf(out), DeviceBackend.dt(outType), correction);
        return out;
    }
}
