package dev.unitune.kernels.opencl;

import org.jocl.Pointer;

/** JOCL pointers to primitive host arrays (sizes: dev.unitune.tensor.HostArray). */
final class HostArrays {
    private HostArrays() {}

    static Pointer pointer(Object a) {
        if (a instanceof float[] f) return Pointer.to(f);
        if (a instanceof short[] s) return Pointer.to(s);
        if (a instanceof int[] i) return Pointer.to(i);
        if (a instanceof long[] l) return Pointer.to(l);
        if (a instanceof byte[] b) return Pointer.to(b);
        if (a instanceof double[] d) return Pointer.to(d);
        throw new IllegalArgumentException("not a primitive host array: " + (a == null ? "null" : a.getClass().getSimpleName()));
    }
}
