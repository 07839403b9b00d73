package dev.unitune.autograd;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;

/** Tensor-level helpers shared by backward formulas. */
public final class Grads {
    private Grads() {}

    /**
     * Sums a broadcast gradient back to the shape of the input that was broadcast: over the extra leading
     * dims, and over every dim where the input had size 1 and the gradient does not.
     */
    public static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot sum gradient " + Shape.str(gs) + " to larger rank " + Shape.str(shape));
        int[] axes = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) axes[n++] = i;
            else if (shape[i - lead] != gs[i])
                throw new IllegalArgumentException("gradient " + Shape.str(gs) + " does not broadcast from " + Shape.str(shape));
        }
        Tensor r = n == 0 ? g : g.backend().reduce(ReduceOp.SUM, g, Arrays.copyOf(axes, n), true);
        return r.reshape(shape);
    }

    /** Re-inserts reduced axes (size 1) so a reduction's gradient broadcasts against its input. */
    public static Tensor unsqueezeReduced(Tensor g, int[] sortedAxes, boolean keepDims) {
        if (keepDims) return g;
        Tensor r = g;
        for (int a : sortedAxes) r = r.unsqueeze(a);
        return r;
    }

    /** Axes normalised against a rank and sorted; empty means all axes. */
    public static int[] normAxes(int[] axes, int rank) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) r[i] = Shape.axis(axes[i], rank);
        Arrays.sort(r);
        for (int i = 1; i < r.length; i++)
            if (r[i] == r[i - 1]) throw new IllegalArgumentException("axis " + r[i] + " repeated in " + Arrays.toString(axes));
        return r;
    }

    public static Tensor zeros(Tensor like) { return like.backend().fill(like.dtype(), 0, like.shape()); }

    public static Tensor zeros(Tensor like, int[] shape) { return like.backend().fill(like.dtype(), 0, shape); }

    /** A comparison result (BOOL) as 0/1 in the given float dtype. */
    public static Tensor mask(Tensor bool, DType dtype) { return bool.backend().cast(bool, dtype); }

    static Tensor mul(Tensor a, Tensor b) { return a.backend().binary(BinaryOp.MUL, a, b); }
    static Tensor add(Tensor a, Tensor b) { return a.backend().binary(BinaryOp.ADD, a, b); }
    static Tensor sub(Tensor a, Tensor b) { return a.backend().binary(BinaryOp.SUB, a, b); }
    static Tensor div(Tensor a, Tensor b) { return a.backend().binary(BinaryOp.DIV, a, b); }
    static Tensor scale(Tensor a, double s) { return a.backend().binaryScalar(BinaryOp.MUL, a, s); }
    static Tensor addScalar(Tensor a, double s) { return a.backend().binaryScalar(BinaryOp.ADD, a, s); }
}
