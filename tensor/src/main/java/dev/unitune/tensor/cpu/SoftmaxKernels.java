package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.VecKernels;

/**
 * Softmax and log-softmax along one axis, and their backward passes. The axis is moved last (a view),
 * rows are made dense, and each row is handled on its own. F32 forward runs {@link VecKernels}; F64 and
 * every backward pass run double loops (one rounding at the end).
 */
final class SoftmaxKernels {
    private SoftmaxKernels() {}

    /** Permutation moving axis to the end, and its inverse. */
    private static int[][] perms(int rank, int axis) {
        int[] p = new int[rank], inv = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) if (i != axis) p[j++] = i;
        p[rank - 1] = axis;
        for (int i = 0; i < rank; i++) inv[p[i]] = i;
        return new int[][]{p, inv};
    }

    private static Tensor restore(Tensor lastAxisResult, int[] inv) {
        Tensor t = lastAxisResult.permute(inv);
        return t.isContiguous() ? t : CpuBackend.instance().copy(t);
    }

    static Tensor softmax(Tensor x, int axis, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + " needs a float tensor, got " + x.dtype().id());
        if (x.rank() == 0) x = x.reshape(1);
        int ax = Shape.axis(axis, x.rank());
        int[][] pp = perms(x.rank(), ax);
        Tensor xt = x.permute(pp[0]);
        int cols = xt.dim(-1), rows = cols == 0 ? 0 : xt.numel() / cols;
        DType dt = x.dtype();
        if (dt == DType.F64) {
            double[] v = HostArrays.doubles(xt), out = new double[v.length];
            for (int r = 0; r < rows; r++) {
                int o = r * cols;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < cols; j++) m = Math.max(m, v[o + j]);
                double s = 0;
                for (int j = 0; j < cols; j++) s += Math.exp(v[o + j] - m);
                double ls = Math.log(s);
                for (int j = 0; j < cols; j++) out[o + j] = log ? v[o + j] - m - ls : Math.exp(v[o + j] - m) / s;
            }
            return restore(HostArrays.wrap(out, dt, xt.shape()), pp[1]);
        }
        float[] v = HostArrays.floats(xt), out = new float[v.length];
        if (rows > 0) {
            if (log) VecKernels.logSoftmaxRows(v, 0, out, 0, rows, cols);
            else VecKernels.softmaxRows(v, 0, out, 0, rows, cols);
        }
        return restore(HostArrays.fromFloats(out, dt, xt.shape()), pp[1]);
    }

    static Tensor backward(Tensor y, Tensor gy, int axis, boolean log) {
        String op = log ? "logSoftmaxBackward" : "softmaxBackward";
        if (!y.sameShape(gy) || y.dtype() != gy.dtype())
            throw new IllegalArgumentException(op + ": y " + y + " and gradY " + gy + " must match in shape and dtype");
        if (!y.dtype().isFloating()) throw new IllegalArgumentException(op + " needs float tensors, got " + y.dtype().id());
        if (y.rank() == 0) { y = y.reshape(1); gy = gy.reshape(1); }
        int ax = Shape.axis(axis, y.rank());
        int[][] pp = perms(y.rank(), ax);
        Tensor yt = y.permute(pp[0]), gt = gy.permute(pp[0]);
        int cols = yt.dim(-1), rows = cols == 0 ? 0 : yt.numel() / cols;
        double[] yv = HostArrays.doubles(yt), gv = HostArrays.doubles(gt), out = new double[yv.length];
        ElementwiseKernels.parallelRange(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                double s = 0;
                if (log) {
                    for (int j = 0; j < cols; j++) s += gv[o + j];
                    for (int j = 0; j < cols; j++) out[o + j] = gv[o + j] - Math.exp(yv[o + j]) * s;
                } else {
                    for (int j = 0; j < cols; j++) s += gv[o + j] * yv[o + j];
                    for (int j = 0; j < cols; j++) out[o + j] = yv[o + j] * (gv[o + j] - s);
                }
            }
        });
        return restore(HostArrays.fromDoubles(out, y.dtype(), yt.shape()), pp[1]);
    }
}
