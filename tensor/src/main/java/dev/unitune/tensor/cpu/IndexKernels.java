package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.List;

/**
 * Indexing and layout ops: index_select / index_add, gather / scatter_add, concat, pad. Data moves as raw
 * elements (exact for every dtype); the adding ops accumulate floats in double and integers in long.
 */
final class IndexKernels {
    private IndexKernels() {}

    private static int prod(int[] s, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= s[i];
        return p;
    }

    /** Index values as ints, checked against [0, size). */
    private static int[] indices(String op, Tensor index, int size, String what) {
        if (index.dtype() != DType.I32 && index.dtype() != DType.I64)
            throw new IllegalArgumentException(op + ": index must be i32 or i64, got " + index.dtype().id());
        long[] v = HostArrays.longs(index);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= size)
                throw new IndexOutOfBoundsException(op + ": index " + v[i] + " at position " + i + " out of range [0, " + size + ") for " + what);
            out[i] = (int) v[i];
        }
        return out;
    }

    static Tensor indexSelect(Tensor x, int axis, Tensor index) {
        int[] shape = x.shape();
        int ax = Shape.axis(axis, shape.length);
        if (index.rank() != 1) throw new IllegalArgumentException("indexSelect: index must be 1-D, got " + Shape.str(index.shape()));
        int[] idx = indices("indexSelect", index, shape[ax], "axis " + ax + " of " + Shape.str(shape));
        Object src = HostArrays.rawCopy(x);
        int outer = prod(shape, 0, ax), inner = prod(shape, ax + 1, shape.length), dim = shape[ax];
        int[] outShape = shape.clone();
        outShape[ax] = idx.length;
        Object out = CpuStorage.newArray(x.dtype(), Shape.numel(outShape));
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < idx.length; i++)
                System.arraycopy(src, (o * dim + idx[i]) * inner, out, (o * idx.length + i) * inner, inner);
        return HostArrays.wrap(out, x.dtype(), outShape);
    }

    static Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        int[] shape = target.shape();
        int ax = Shape.axis(axis, shape.length);
        if (index.rank() != 1) throw new IllegalArgumentException("indexAdd: index must be 1-D, got " + Shape.str(index.shape()));
        if (src.dtype() != target.dtype())
            throw new IllegalArgumentException("indexAdd: src dtype " + src.dtype().id() + " differs from target " + target.dtype().id());
        int[] idx = indices("indexAdd", index, shape[ax], "axis " + ax + " of " + Shape.str(shape));
        int[] want = shape.clone();
        want[ax] = idx.length;
        if (!java.util.Arrays.equals(src.shape(), want))
            throw new IllegalArgumentException("indexAdd: src shape " + Shape.str(src.shape()) + ", expected " + Shape.str(want));
        int outer = prod(shape, 0, ax), inner = prod(shape, ax + 1, shape.length), dim = shape[ax];
        Accumulator acc = Accumulator.of(target, src);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < idx.length; i++)
                for (int j = 0; j < inner; j++)
                    acc.add((o * dim + idx[i]) * inner + j, (o * idx.length + i) * inner + j);
        return acc.result(shape);
    }

    static Tensor gather(Tensor x, int axis, Tensor index) {
        int[] shape = x.shape(), ishape = index.shape();
        int ax = Shape.axis(axis, shape.length);
        checkIndexShape("gather", shape, ishape, ax, "x");
        int[] idx = indices("gather", index, shape[ax], "axis " + ax + " of " + Shape.str(shape));
        Object src = HostArrays.rawCopy(x);
        int[] xs = Shape.contiguousStrides(shape);
        Object out = CpuStorage.newArray(x.dtype(), idx.length);
        int[] pos = new int[ishape.length];
        for (int i = 0; i < idx.length; i++) {
            int off = 0;
            for (int d = 0; d < pos.length; d++) off += (d == ax ? idx[i] : pos[d]) * xs[d];
            System.arraycopy(src, off, out, i, 1);
            increment(pos, ishape);
        }
        return HostArrays.wrap(out, x.dtype(), ishape);
    }

    static Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        int[] shape = target.shape(), ishape = index.shape();
        int ax = Shape.axis(axis, shape.length);
        if (src.dtype() != target.dtype())
            throw new IllegalArgumentException("scatterAdd: src dtype " + src.dtype().id() + " differs from target " + target.dtype().id());
        checkIndexShape("scatterAdd", shape, ishape, ax, "target");
        int[] sshape = src.shape();
        for (int d = 0; d < ishape.length; d++)
            if (sshape.length != ishape.length || ishape[d] > sshape[d])
                throw new IllegalArgumentException("scatterAdd: index " + Shape.str(ishape) + " larger than src " + Shape.str(sshape));
        int[] idx = indices("scatterAdd", index, shape[ax], "axis " + ax + " of " + Shape.str(shape));
        int[] ts = Shape.contiguousStrides(shape), ss = Shape.contiguousStrides(sshape);
        Accumulator acc = Accumulator.of(target, src);
        int[] pos = new int[ishape.length];
        for (int i = 0; i < idx.length; i++) {
            int to = 0, so = 0;
            for (int d = 0; d < pos.length; d++) { to += (d == ax ? idx[i] : pos[d]) * ts[d]; so += pos[d] * ss[d]; }
            acc.add(to, so);
            increment(pos, ishape);
        }
        return acc.result(shape);
    }

    private static void checkIndexShape(String op, int[] shape, int[] ishape, int ax, String name) {
        if (ishape.length != shape.length)
            throw new IllegalArgumentException(op + ": index rank " + ishape.length + " differs from " + name + " rank " + shape.length);
        for (int d = 0; d < shape.length; d++)
            if (d != ax && ishape[d] > shape[d])
                throw new IllegalArgumentException(op + ": index " + Shape.str(ishape) + " larger than " + name + " " + Shape.str(shape) + " in dim " + d);
    }

    private static void increment(int[] pos, int[] shape) {
        for (int d = pos.length - 1; d >= 0; d--) { if (++pos[d] < shape[d]) return; pos[d] = 0; }
    }

    /** out = dense copy of target; add(to, from) does out[to] += src[from] in double (floats) or long (integers). */
    private static final class Accumulator {
        private final DType dt;
        private final double[] d, ds;
        private final long[] l, ls;

        private Accumulator(DType dt, double[] d, double[] ds, long[] l, long[] ls) {
            this.dt = dt; this.d = d; this.ds = ds; this.l = l; this.ls = ls;
        }

        static Accumulator of(Tensor target, Tensor src) {
            DType dt = target.dtype();
            if (dt == DType.BOOL) throw new IllegalArgumentException("adding into a bool tensor is not defined");
            if (dt.isFloating()) return new Accumulator(dt, HostArrays.doubles(target).clone(), HostArrays.doubles(src), null, null);
            return new Accumulator(dt, null, null, HostArrays.longs(target).clone(), HostArrays.longs(src));
        }

        void add(int to, int from) {
            if (d != null) d[to] += ds[from];
            else l[to] += ls[from];
        }

        Tensor result(int[] shape) {
            return d != null ? HostArrays.fromDoubles(d, dt, shape) : HostArrays.fromLongs(l, dt, shape);
        }
    }

    static Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of an empty list");
        Tensor first = parts.get(0);
        int rank = first.rank();
        if (rank == 0) throw new IllegalArgumentException("concat of scalar tensors; unsqueeze them first");
        int ax = Shape.axis(axis, rank);
        int[] outShape = first.shape();
        outShape[ax] = 0;
        for (Tensor p : parts) {
            if (p.dtype() != first.dtype() || p.rank() != rank)
                throw new IllegalArgumentException("concat: part " + p + " does not match " + first);
            for (int d = 0; d < rank; d++)
                if (d != ax && p.dim(d) != first.dim(d))
                    throw new IllegalArgumentException("concat along axis " + ax + ": shapes " + Shape.str(first.shape())
                            + " and " + Shape.str(p.shape()) + " differ in dim " + d);
            outShape[ax] += p.dim(ax);
        }
        int outer = prod(outShape, 0, ax), inner = prod(outShape, ax + 1, rank);
        Object out = CpuStorage.newArray(first.dtype(), Shape.numel(outShape));
        int rowOut = outShape[ax] * inner, at = 0;
        for (Tensor p : parts) {
            Object src = HostArrays.rawCopy(p);
            int rowIn = p.dim(ax) * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(src, o * rowIn, out, o * rowOut + at, rowIn);
            at += rowIn;
        }
        return HostArrays.wrap(out, first.dtype(), outShape);
    }

    static Tensor pad(Tensor x, int[] pads, double value) {
        int rank = x.rank();
        if (pads.length % 2 != 0 || pads.length / 2 > rank)
            throw new IllegalArgumentException("pad: " + Shape.str(pads) + " must hold (before, after) pairs for at most " + rank + " dims of " + Shape.str(x.shape()));
        int[] shape = x.shape(), before = new int[rank], outShape = shape.clone();
        for (int i = 0; i < pads.length / 2; i++) {
            int d = rank - 1 - i;
            before[d] = pads[2 * i];
            outShape[d] = shape[d] + pads[2 * i] + pads[2 * i + 1];
            if (outShape[d] < 0) throw new IllegalArgumentException("pad: " + Shape.str(pads) + " makes dim " + d + " of " + Shape.str(shape) + " negative");
        }
        Tensor out = CpuBackend.instance().fill(x.dtype(), value, outShape);
        if (Shape.numel(outShape) == 0 || x.numel() == 0) return out;
        Object src = HostArrays.rawCopy(x), dst = HostArrays.storage(out).array();
        int[] os = Shape.contiguousStrides(outShape);
        int last = shape[rank - 1], rowsIn = x.numel() / last;
        // the part of each source row that lands inside the output (negative pads crop)
        int from = Math.max(0, -before[rank - 1]), to = Math.min(last, outShape[rank - 1] - before[rank - 1]);
        int[] pos = new int[rank - 1];
        int[] rowShape = java.util.Arrays.copyOf(shape, rank - 1);
        for (int r = 0; r < rowsIn; r++) {
            int off = 0;
            boolean inside = to > from;
            for (int d = 0; d < rank - 1 && inside; d++) {
                int p = pos[d] + before[d];
                if (p < 0 || p >= outShape[d]) inside = false;
                off += p * os[d];
            }
            if (inside) System.arraycopy(src, r * last + from, dst, off + from + before[rank - 1], to - from);
            increment(pos, rowShape);
        }
        return out;
    }
}
