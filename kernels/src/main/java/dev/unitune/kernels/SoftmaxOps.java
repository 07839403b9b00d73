package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/** softmax / log-softmax forward and backward along any axis (softmax.cu), without layout copies. */
final class SoftmaxOps {
    private final DeviceBackend b;

    SoftmaxOps(DeviceBackend b) { this.b = b; }

    Tensor forward(Tensor x, int axis, boolean log) {
        b.buf(x);
        requireFloat(x, "softmax");
        RowLayout rl = RowLayout.of(x.shape(), new int[] {axis});
        Tensor out = b.alloc(x.dtype(), x.shape());
        ViewArg in = ViewArg.of(x.permute(rl.perm())), o = ViewArg.of(out.permute(rl.perm()));
        int dt = DeviceBackend.dt(x.dtype());
        if (rl.threadPerRow())
            b.launch1d("softmax", "softmax_rows_thread", rl.rows(), log ? 1 : 0, in, b.buf(x), dt, o, b.buf(out), rl.inner(), rl.rows());
        else
            b.launchRows("softmax", "softmax_rows_block", rl.rows(), DeviceBackend.BLOCK, log ? 1 : 0, in, b.buf(x), dt, o, b.buf(out), rl.inner());
        return out;
    }

    Tensor backward(Tensor y, Tensor gradY, int axis, boolean log) {
        b.buf(y);
        b.buf(gradY);
        requireFloat(y, "softmaxBackward");
        if (!y.sameShape(gradY) || y.dtype() != gradY.dtype())
            throw new IllegalArgumentException("softmaxBackward: y " + y + " and gradY " + gradY + " differ");
        RowLayout rl = RowLayout.of(y.shape(), new int[] {axis});
        Tensor out = b.alloc(y.dtype(), y.shape());
        int[] p = rl.perm();
        ViewArg yv = ViewArg.of(y.permute(p)), gv = ViewArg.of(gradY.permute(p)), o = ViewArg.of(out.permute(p));
        int dt = DeviceBackend.dt(y.dtype());
        if (rl.threadPerRow())
            b.launch1d("softmax", "softmax_backward_rows_thread", rl.rows(), log ? 1 : 0, yv, b.buf(y), gv, b.buf(gradY), dt, o, b.buf(out), rl.inner(), rl.rows());
        else
            b.launchRows("softmax", "softmax_backward_rows_block", rl.rows(), DeviceBackend.BLOCK, log ? 1 : 0, yv, b.buf(y), gv, b.buf(gradY), dt, o, b.buf(out), rl.inner());
        return out;
    }

    static void requireFloat(Tensor x, String op) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + ": needs a float tensor, got " + x.dtype().id() + " " + Shape.str(x.shape()));
    }
}
