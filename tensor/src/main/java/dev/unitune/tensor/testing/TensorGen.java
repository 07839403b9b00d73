package dev.unitune.tensor.testing;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Half;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Framework-neutral generator of test inputs: shapes (with size-1 and odd dims) and tensors on any backend
 * laid out as contiguous, offset, permuted, strided-slice or broadcast views of a bigger storage. Every
 * tensor comes with its logical values as doubles (exactly the stored, dtype-rounded values), read back
 * through the view's strides on the host, so the reference never depends on the backend under test.
 * Everything is a pure function of (seed, maxDim).
 */
public final class TensorGen {
    public enum Layout { CONTIGUOUS, OFFSET, PERMUTED, SLICED, BROADCAST }

    /** A generated input: the tensor on the backend, its logical row-major values, and how it was built. */
    public record Input(Tensor tensor, Dense dense, Layout layout) {
        public double[] values() { return dense.v(); }

        public int[] shape() { return dense.shape(); }

        @Override public String toString() { return Shape.str(dense.shape()) + " " + tensor.dtype().id() + " " + layout; }
    }

    private final SplittableRandom random;
    private final int maxDim;

    public TensorGen(long seed, int maxDim) {
        if (maxDim < 1) throw new IllegalArgumentException("maxDim must be >= 1, got " + maxDim);
        this.random = new SplittableRandom(seed);
        this.maxDim = maxDim;
    }

    public SplittableRandom random() { return random; }

    public int maxDim() { return maxDim; }

    /** A dim in [1, maxDim]; one in four is 1, the rest uniform (so odd sizes are common). */
    public int dim() { return random.nextInt(4) == 0 ? 1 : 1 + random.nextInt(maxDim); }

    /** A dim in [lo, lo + maxDim). */
    public int dimAtLeast(int lo) { return lo + random.nextInt(maxDim); }

    public int[] shape(int rank) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = dim();
        return s;
    }

    public int intIn(int lo, int hiInclusive) { return lo + random.nextInt(hiInclusive - lo + 1); }

    public boolean bool() { return random.nextBoolean(); }

    public double uniform(double lo, double hi) { return lo + (hi - lo) * random.nextDouble(); }

    public Layout layout() { return Layout.values()[random.nextInt(Layout.values().length)]; }

    /** A float input with values uniform in [lo, hi), rounded to dt, in a random layout. */
    public Input input(Backend b, DType dt, int[] shape, double lo, double hi) { return input(b, dt, shape, lo, hi, layout()); }

    public Input input(Backend b, DType dt, int[] shape, double lo, double hi, Layout layout) {
        int rank = shape.length;
        int n = Shape.numel(shape);
        if (rank == 0 || n == 0) layout = Layout.CONTIGUOUS;
        int axis = rank == 0 ? 0 : random.nextInt(rank);
        if (layout == Layout.BROADCAST) {
            int a = -1;
            for (int d = 0; d < rank; d++) if (shape[d] > 1) { a = d; break; }
            if (a < 0) layout = Layout.CONTIGUOUS; else axis = a;
        }
        int[] perm = randomPermutation(rank);
        int[] baseShape = switch (layout) {
            case CONTIGUOUS -> shape.clone();
            case OFFSET -> new int[]{n + 1 + random.nextInt(5)};
            case PERMUTED -> { int[] bs = new int[rank]; for (int i = 0; i < rank; i++) bs[i] = shape[perm[i]]; yield bs; }
            case SLICED -> { int[] bs = shape.clone(); bs[axis] = 2 * shape[axis] + 1; yield bs; }
            case BROADCAST -> { int[] bs = shape.clone(); bs[axis] = 1; yield bs; }
        };
        int bn = Shape.numel(baseShape);
        double[] base = new double[bn];
        for (int i = 0; i < bn; i++) { // integer dtypes draw whole numbers in [floor(lo), hi)
            double u = uniform(lo, hi);
            base[i] = roundTo(dt, dt.isFloating() ? u : Math.floor(u));
        }
        Tensor t = b.fromHost(hostArray(dt, base), dt, baseShape);
        Tensor view = switch (layout) {
            case CONTIGUOUS -> t;
            case OFFSET -> { int extra = bn - n; int start = random.nextInt(extra + 1); yield t.narrow(0, start, n).view(shape); }
            case PERMUTED -> { int[] inv = new int[rank]; for (int i = 0; i < rank; i++) inv[perm[i]] = i; yield t.permute(inv); }
            case SLICED -> t.slice(axis, 1, 2 * shape[axis], 2);
            case BROADCAST -> t.expand(shape);
        };
        if (!java.util.Arrays.equals(view.shape(), shape))
            throw new IllegalStateException("generator bug: view " + Shape.str(view.shape()) + " for " + Shape.str(shape));
        return new Input(view, new Dense(shape.clone(), readThroughStrides(base, view)), layout);
    }

    /** Integer values in [0, bound) of an index dtype (I32 or I64), contiguous or permuted. */
    public Input indices(Backend b, DType dt, int[] shape, int bound) {
        int n = Shape.numel(shape);
        double[] vals = new double[n];
        for (int i = 0; i < n; i++) vals[i] = random.nextInt(bound);
        Tensor t = b.fromHost(hostArray(dt, vals), dt, shape);
        return new Input(t, new Dense(shape.clone(), vals), Layout.CONTIGUOUS);
    }

    /** A contiguous tensor holding exactly the given values (rounded to dt). */
    public static Input exact(Backend b, DType dt, Dense d) {
        double[] v = d.v().clone();
        for (int i = 0; i < v.length; i++) v[i] = roundTo(dt, v[i]);
        return new Input(b.fromHost(hostArray(dt, v), dt, d.shape()), new Dense(d.shape().clone(), v), Layout.CONTIGUOUS);
    }

    private int[] randomPermutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) { int j = random.nextInt(i + 1); int t = p[i]; p[i] = p[j]; p[j] = t; }
        return p;
    }

    /** Logical row-major values of a view over a base array, computed from the view's own strides. */
    private static double[] readThroughStrides(double[] base, Tensor view) {
        int[] shape = view.shape(), st = view.strides();
        int n = Shape.numel(shape);
        double[] out = new double[n];
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            long off = view.offset();
            for (int d = 0; d < shape.length; d++) off += (long) idx[d] * st[d];
            out[i] = base[(int) off];
            for (int d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        return out;
    }

    /** The value a dtype stores for v (round to nearest even for floats; truncation for integers). */
    public static double roundTo(DType dt, double v) {
        return switch (dt) {
            case F64 -> v;
            case F32 -> (float) v;
            case F16 -> Half.f16ToFloat(Half.floatToF16((float) v));
            case BF16 -> Half.bf16ToFloat(Half.floatToBf16((float) v));
            case I32 -> (int) v;
            case I64 -> (long) v;
            case U8 -> ((long) v) & 0xFF;
            case BOOL -> v != 0 ? 1 : 0;
        };
    }

    /** The host array class Backend.fromHost takes for a dtype, filled with the values. */
    public static Object hostArray(DType dt, double[] v) {
        int n = v.length;
        switch (dt) {
            case F64: return v.clone();
            case F32: { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float) v[i]; return a; }
            case F16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = Half.floatToF16((float) v[i]); return a; }
            case BF16: { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = Half.floatToBf16((float) v[i]); return a; }
            case I32: { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = (int) v[i]; return a; }
            case I64: { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = (long) v[i]; return a; }
            default: { byte[] a = new byte[n]; for (int i = 0; i < n; i++) a[i] = (byte) (dt == DType.BOOL ? (v[i] != 0 ? 1 : 0) : (long) v[i]); return a; }
        }
    }
}
