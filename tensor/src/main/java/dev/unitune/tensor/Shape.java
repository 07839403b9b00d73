package dev.unitune.tensor;

import java.util.Arrays;

/** Static helpers for shapes and strides (row-major, element units). */
public final class Shape {
    private Shape() {}

    /** Product of the dims, overflow-checked: tensors hold at most 2^31-1 elements (storage is Java arrays). */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    public static int[] contiguousStrides(int... shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** NumPy broadcasting of two shapes; throws naming both shapes if they do not broadcast. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast (dim " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static int[] broadcast(int[]... shapes) {
        int[] out = new int[0];
        for (int[] s : shapes) out = broadcast(out, s);
        return out;
    }

    /** Normalises a possibly negative axis against a rank, with a clear error. */
    public static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    public static String str(int... shape) { return Arrays.toString(shape); }
}
