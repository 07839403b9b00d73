package dev.unitune.kernels.opencl;

import org.jocl.Pointer;

/** Sizes of and JOCL pointers to primitive host arrays. */
final class HostArrays {
    private HostArrays() {}

    static long byteSize(Object a) {
        if (a instanceof float[] f) return 4L * f.length;
        if (a instanceof short[] s) return 2L * s.length;
        if (a instanceof int[] i) return 4L * i.length;
        if (a instanceof long[] l) return 8L * l.length;
        if (a instanceof byte[] b) return b.length;
        if (a instanceof double[] d) return 8L * d.length;
        throw new IllegalArgumentException("not a primitive host array: " + (a == null ? "null" : a.getClass().getSimpleName()));
    }

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
