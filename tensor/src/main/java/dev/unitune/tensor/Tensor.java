package dev.unitune.tensor;

import java.util.Arrays;

/**
 * An n-dimensional strided view over a {@link Storage}. Tensors are immutable descriptors: every view op
 * (reshape, permute, narrow, expand, squeeze, unsqueeze) returns a new Tensor over the same storage without
 * copying. Arithmetic lives in the {@link Backend}; this class only knows layout.
 *
 * <p>Sizes are ints: a tensor holds at most 2^31-1 elements, since host storage is Java arrays.
 */
public final class Tensor implements AutoCloseable {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " and strides " + Shape.str(strides) + " differ in rank");
        this.storage = storage;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
        Shape.numel(shape);
    }

    /** A contiguous tensor covering the storage from offset 0. */
    public static Tensor contiguousOver(Storage storage, int... shape) {
        if (Shape.numel(shape) > storage.length())
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs more elements than the storage holds (" + storage.length() + ")");
        return new Tensor(storage, shape, Shape.contiguousStrides(shape), 0);
    }

    public Storage storage() { return storage; }
    public Backend backend() { return storage.backend(); }
    public DType dtype() { return storage.dtype(); }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public int offset() { return offset; }
    public int rank() { return shape.length; }
    public int dim(int axis) { return shape[Shape.axis(axis, shape.length)]; }
    public int stride(int axis) { return strides[Shape.axis(axis, shape.length)]; }
    public int numel() { return Shape.numel(shape); }

    /** True if the elements are laid out row-major without gaps (size-1 dims' strides are ignored). */
    public boolean isContiguous() {
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // ---- views -------------------------------------------------------------------------------------

    /** Reshape without copying; throws if the layout does not allow it (call {@link #reshape} instead). */
    public Tensor view(int... newShape) {
        int[] ns = inferShape(newShape);
        if (!isContiguous())
            throw new IllegalStateException("view" + Shape.str(ns) + " of a non-contiguous tensor " + Shape.str(shape) + "; use reshape()");
        return new Tensor(storage, ns, Shape.contiguousStrides(ns), offset);
    }

    /** Reshape: a view when contiguous, otherwise a contiguous copy reshaped. */
    public Tensor reshape(int... newShape) {
        return isContiguous() ? view(newShape) : contiguous().view(newShape);
    }

    private int[] inferShape(int[] newShape) {
        int n = numel(), known = 1, infer = -1;
        int[] ns = newShape.clone();
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("more than one -1 in shape " + Shape.str(newShape));
                infer = i;
            } else known *= ns[i];
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0)
                throw new IllegalArgumentException("cannot reshape " + Shape.str(shape) + " to " + Shape.str(newShape));
            ns[infer] = n / known;
        }
        if (Shape.numel(ns) != n)
            throw new IllegalArgumentException("cannot reshape " + Shape.str(shape) + " (" + n + " elements) to " + Shape.str(newShape));
        return ns;
    }

    public Tensor permute(int... axes) {
        if (axes.length != shape.length)
            throw new IllegalArgumentException("permute" + Shape.str(axes) + " on a rank-" + shape.length + " tensor");
        int[] ns = new int[axes.length], st = new int[axes.length];
        boolean[] seen = new boolean[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = Shape.axis(axes[i], shape.length);
            if (seen[a]) throw new IllegalArgumentException("permute" + Shape.str(axes) + " repeats axis " + a);
            seen[a] = true;
            ns[i] = shape[a];
            st[i] = strides[a];
        }
        return new Tensor(storage, ns, st, offset);
    }

    public Tensor transpose(int a, int b) {
        int[] axes = new int[shape.length];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        a = Shape.axis(a, shape.length);
        b = Shape.axis(b, shape.length);
        axes[a] = b;
        axes[b] = a;
        return permute(axes);
    }

    /** Elements [start, start+length) along an axis. */
    public Tensor narrow(int axis, int start, int length) {
        int a = Shape.axis(axis, shape.length);
        if (start < 0 || length < 0 || start + length > shape[a])
            throw new IllegalArgumentException("narrow(axis " + a + ", start " + start + ", length " + length + ") out of range for shape " + Shape.str(shape));
        int[] ns = shape.clone();
        ns[a] = length;
        return new Tensor(storage, ns, strides, offset + start * strides[a]);
    }

    /** Every step-th element along an axis starting at start (a strided slice). */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = Shape.axis(axis, shape.length);
        if (step <= 0 || start < 0 || end > shape[a] || start > end)
            throw new IllegalArgumentException("slice(axis " + a + ", " + start + ":" + end + ":" + step + ") out of range for shape " + Shape.str(shape));
        int[] ns = shape.clone(), st = strides.clone();
        ns[a] = (end - start + step - 1) / step;
        st[a] = strides[a] * step;
        return new Tensor(storage, ns, st, offset + start * strides[a]);
    }

    /** Index one element along an axis, dropping that axis. */
    public Tensor select(int axis, int index) {
        return narrow(axis, index, 1).squeeze(axis);
    }

    /** Broadcast to a larger shape with zero strides (NumPy rules); no copy. */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length)
            throw new IllegalArgumentException("expand " + Shape.str(shape) + " to lower rank " + Shape.str(newShape));
        int lead = newShape.length - shape.length;
        int[] st = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            if (i < lead) { st[i] = 0; continue; }
            int d = shape[i - lead];
            if (d == newShape[i]) st[i] = strides[i - lead];
            else if (d == 1) st[i] = 0;
            else throw new IllegalArgumentException("cannot expand " + Shape.str(shape) + " to " + Shape.str(newShape));
        }
        return new Tensor(storage, newShape, st, offset);
    }

    public Tensor squeeze(int axis) {
        int a = Shape.axis(axis, shape.length);
        if (shape[a] != 1) throw new IllegalArgumentException("squeeze(" + axis + ") of size-" + shape[a] + " axis in " + Shape.str(shape));
        int[] ns = new int[shape.length - 1], st = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != a) { ns[j] = shape[i]; st[j++] = strides[i]; }
        return new Tensor(storage, ns, st, offset);
    }

    public Tensor unsqueeze(int axis) {
        int a = Shape.axis(axis, shape.length + 1);
        int[] ns = new int[shape.length + 1], st = new int[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) {
            if (i == a) { ns[i] = 1; st[i] = a < shape.length ? strides[a] * shape[a] : 1; }
            else { ns[i] = shape[j]; st[i] = strides[j++]; }
        }
        return new Tensor(storage, ns, st, offset);
    }

    // ---- copies and transfers -------------------------------------------------------------------------

    /** This tensor if already contiguous, else a contiguous copy on the same backend. */
    public Tensor contiguous() { return isContiguous() ? this : backend().copy(this); }

    /** A copy on another backend (this tensor if it is already there). */
    public Tensor to(Backend target) {
        if (target == backend()) return this;
        return target.fromHost(backend().toHost(this), dtype(), shape);
    }

    /** A converted copy (this tensor if the dtype already matches). */
    public Tensor to(DType target) { return target == dtype() ? this : backend().cast(this, target); }

    /** Elements as a new row-major float array (converting from any dtype). */
    public float[] toFloatArray() { return (float[]) backend().toHost(to(DType.F32)); }

    /** Elements as a new row-major double array (converting from any dtype). */
    public double[] toDoubleArray() {
        Tensor t = dtype() == DType.F64 ? this : to(DType.F64);
        return (double[]) t.backend().toHost(t);
    }

    /** The single element of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new IllegalStateException("item() of a tensor with shape " + Shape.str(shape));
        return toDoubleArray()[0];
    }

    /** Frees the storage now (and so every view of it). */
    @Override
    public void close() { storage.free(); }

    @Override
    public String toString() {
        return "Tensor" + Shape.str(shape) + " " + dtype().id() + " on " + backend().name()
                + (isContiguous() ? "" : " strides " + Shape.str(strides));
    }
}
