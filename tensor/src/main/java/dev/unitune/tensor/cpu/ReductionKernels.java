package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * Reductions over any set of axes. The input is permuted so the kept axes come first and the reduced ones
 * last, then copied dense: each output element reduces one contiguous segment, in index order, so the
 * result does not depend on the thread count. Floats accumulate in double and round once. Following
 * PyTorch, SUM/PROD of integers and bools give I64, MEAN and variance of integers give F32.
 */
final class ReductionKernels {
    private ReductionKernels() {}

    /** The reduction plan: sorted unique axes, the output shape, and the permutation kept-then-reduced. */
    record Plan(int[] reducedAxes, int[] outShape, int[] keptShapeNoKeep, int[] permutation, int segment, int outer) {}

    static Plan plan(String opName, int[] shape, int[] axes, boolean keepDims) {
        int rank = shape.length;
        boolean[] reduce = new boolean[rank];
        if (axes == null || axes.length == 0) java.util.Arrays.fill(reduce, true);
        else for (int a : axes) {
            int ax;
            try { ax = Shape.axis(a, rank); } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(opName + ": axis " + a + " out of range for shape " + Shape.str(shape));
            }
            if (reduce[ax]) throw new IllegalArgumentException(opName + ": axis " + a + " repeated in " + Shape.str(axes));
            reduce[ax] = true;
        }
        int[] perm = new int[rank];
        int p = 0, seg = 1, outer = 1, nk = 0;
        for (int d = 0; d < rank; d++) if (!reduce[d]) { perm[p++] = d; outer *= shape[d]; nk++; }
        int[] keptShape = new int[nk];
        for (int i = 0; i < nk; i++) keptShape[i] = shape[perm[i]];
        int nr = 0;
        for (int d = 0; d < rank; d++) if (reduce[d]) { perm[p++] = d; seg *= shape[d]; nr++; }
        int[] red = new int[nr];
        System.arraycopy(perm, nk, red, 0, nr);
        int[] out;
        if (keepDims) {
            out = shape.clone();
            for (int d : red) out[d] = 1;
        } else out = keptShape;
        return new Plan(red, out, keptShape, perm, seg, outer);
    }

    static Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        Plan pl = plan("reduce " + op, x.shape(), axes, keepDims);
        Tensor arranged = x.permute(pl.permutation());
        DType dt = x.dtype();
        int seg = pl.segment(), outer = pl.outer();
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && seg == 0)
            throw new IllegalArgumentException("reduce " + op + " over an empty extent of shape " + Shape.str(x.shape()));
        if (dt.isFloating() || op == ReduceOp.MEAN) {
            double[] v = HostArrays.doubles(arranged);
            double[] out = new double[outer];
            parallelOuter(outer, seg, (s, e) -> {
                for (int o = s; o < e; o++) out[o] = reduceSegment(op, v, o * seg, seg);
            });
            DType outType = dt.isFloating() ? dt : DType.F32;
            return HostArrays.fromDoubles(out, outType, pl.outShape());
        }
        long[] v = HostArrays.longs(arranged);
        long[] out = new long[outer];
        for (int o = 0; o < outer; o++) {
            long acc = switch (op) { case SUM -> 0; case PROD -> 1; case MAX -> Long.MIN_VALUE; default -> Long.MAX_VALUE; };
            for (int i = o * seg; i < o * seg + seg; i++) {
                acc = switch (op) {
                    case SUM -> acc + v[i];
                    case PROD -> acc * v[i];
                    case MAX -> Math.max(acc, v[i]);
                    default -> Math.min(acc, v[i]);
                };
            }
            out[o] = acc;
        }
        DType outType = (op == ReduceOp.SUM || op == ReduceOp.PROD) ? DType.I64 : dt;
        return HostArrays.fromLongs(out, outType, pl.outShape());
    }

    private static double reduceSegment(ReduceOp op, double[] v, int start, int len) {
        switch (op) {
            case SUM, MEAN -> {
                double s = 0;
                for (int i = start; i < start + len; i++) s += v[i];
                return op == ReduceOp.MEAN ? s / len : s;
            }
            case PROD -> {
                double p = 1;
                for (int i = start; i < start + len; i++) p *= v[i];
                return p;
            }
            case MAX -> {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = start; i < start + len; i++) { double x = v[i]; if (x > m || Double.isNaN(x)) { m = x; if (x != x) break; } }
                return m;
            }
            default -> {
                double m = Double.POSITIVE_INFINITY;
                for (int i = start; i < start + len; i++) { double x = v[i]; if (x < m || Double.isNaN(x)) { m = x; if (x != x) break; } }
                return m;
            }
        }
    }

    static Tensor argmax(Tensor x, int axis, boolean keepDims) {
        if (x.rank() == 0) throw new IllegalArgumentException("argmax of a scalar tensor");
        int ax = Shape.axis(axis, x.rank());
        Plan pl = plan("argmax", x.shape(), new int[]{ax}, keepDims);
        int seg = pl.segment(), outer = pl.outer();
        if (seg == 0) throw new IllegalArgumentException("argmax over an empty axis of shape " + Shape.str(x.shape()));
        long[] out = new long[outer];
        if (x.dtype() == DType.I64) {
            long[] v = HostArrays.longs(x.permute(pl.permutation()));
            for (int o = 0; o < outer; o++) {
                int best = 0;
                for (int i = 1; i < seg; i++) if (v[o * seg + i] > v[o * seg + best]) best = i;
                out[o] = best;
            }
        } else {
            double[] v = HostArrays.doubles(x.permute(pl.permutation()));
            for (int o = 0; o < outer; o++) {
                int best = 0;
                double bv = v[o * seg];
                for (int i = 1; i < seg && bv == bv; i++) { // NaN counts as the maximum (first NaN wins), as in PyTorch
                    double c = v[o * seg + i];
                    if (c > bv || c != c) { bv = c; best = i; }
                }
                out[o] = best;
            }
        }
        return HostArrays.fromLongs(out, DType.I64, pl.outShape());
    }

    static Tensor variance(Tensor x, int[] axes, int correction, boolean keepDims) {
        if (correction < 0) throw new IllegalArgumentException("variance: negative correction " + correction);
        Plan pl = plan("variance", x.shape(), axes, keepDims);
        int seg = pl.segment(), outer = pl.outer();
        double[] v = HostArrays.doubles(x.permute(pl.permutation()));
        double[] out = new double[outer];
        parallelOuter(outer, seg, (s, e) -> {
            for (int o = s; o < e; o++) { // two passes: mean, then squared deviations (no cancellation)
                double mean = 0;
                for (int i = o * seg; i < o * seg + seg; i++) mean += v[i];
                mean /= seg;
                double ss = 0;
                for (int i = o * seg; i < o * seg + seg; i++) { double d = v[i] - mean; ss += d * d; }
                out[o] = ss / (seg - correction); // seg <= correction gives NaN or Inf, as in PyTorch
            }
        });
        DType outType = x.dtype().isFloating() ? x.dtype() : DType.F32;
        return HostArrays.fromDoubles(out, outType, pl.outShape());
    }

    private static void parallelOuter(int outer, int seg, ElementwiseKernels.Range body) {
        long work = (long) outer * Math.max(seg, 1);
        int parts = (int) Math.max(1, Math.min(outer, Math.min(Threads.count() * 4L, work / ElementwiseKernels.GRAIN)));
        Threads.parallelFor(parts, p -> body.run((int) ((long) outer * p / parts), (int) ((long) outer * (p + 1) / parts)));
    }
}
