package dev.unitune.kernels;

import dev.unitune.tensor.DType;

/** The host array class that goes with each dtype (Backend.fromHost's contract), checked and created. */
final class HostArrayCheck {
    private HostArrayCheck() {}

    static int length(Object array, DType dtype) {
        Object expected = newArray(dtype, 0);
        if (array == null || array.getClass() != expected.getClass())
            throw new IllegalArgumentException("fromHost: dtype " + dtype.id() + " needs a " + expected.getClass().getSimpleName()
                    + ", got " + (array == null ? "null" : array.getClass().getSimpleName()));
        return java.lang.reflect.Array.getLength(array);
    }

    static Object newArray(DType dtype, int n) {
        return switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case F16, BF16 -> new short[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case U8, BOOL -> new byte[n];
        };
    }
}
