package dev.unitune.tensor;

/**
 * The host array class that goes with each dtype — {@link Backend#fromHost}'s and {@link Backend#toHost}'s
 * contract: float[] F32, double[] F64, short[] F16/BF16 (raw bits), int[] I32, long[] I64, byte[] U8/BOOL.
 * Every backend checks and allocates host arrays here, so the contract lives in one place.
 */
public final class HostArray {
    private HostArray() {}

    /** A zero-filled array of the class the dtype uses. */
    public static Object allocate(DType dtype, int n) {
        return switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case F16, BF16 -> new short[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case U8, BOOL -> new byte[n];
        };
    }

    public static Class<?> classFor(DType dtype) { return allocate(dtype, 0).getClass(); }

    /**
     * Checks that {@code array} is the class the dtype takes and holds exactly the shape's element count,
     * with an error naming the dtype, the shape and what was given; returns the element count.
     */
    public static int checkFor(Object array, DType dtype, int[] shape) {
        if (array == null) throw new IllegalArgumentException("fromHost: null array for a " + dtype.id() + " tensor " + Shape.str(shape));
        Class<?> want = classFor(dtype);
        if (array.getClass() != want)
            throw new IllegalArgumentException("fromHost: a " + dtype.id() + " tensor takes a " + want.getSimpleName() + ", got "
                    + array.getClass().getSimpleName());
        int n = Shape.numel(shape), len = java.lang.reflect.Array.getLength(array);
        if (len != n)
            throw new IllegalArgumentException("fromHost: shape " + Shape.str(shape) + " needs " + n + " elements, the array has " + len);
        return n;
    }

    /** Bytes held by a primitive host array of any of the contract's classes. */
    public static long byteSize(Object array) {
        if (array instanceof float[] f) return 4L * f.length;
        if (array instanceof short[] s) return 2L * s.length;
        if (array instanceof int[] i) return 4L * i.length;
        if (array instanceof long[] l) return 8L * l.length;
        if (array instanceof byte[] b) return b.length;
        if (array instanceof double[] d) return 8L * d.length;
        throw new IllegalArgumentException("not a primitive host array: " + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
