package dev.unitune.weights;

import dev.unitune.tensor.HostArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Host arrays (as Backend.toHost returns them) to little-endian bytes. */
final class HostArrays {
    private HostArrays() {}

    static byte[] toLittleEndian(Object array) {
        if (array instanceof byte[] b) return b.clone();
        long bytes = HostArray.byteSize(array); // refuses anything but the host-array classes
        if (bytes > Integer.MAX_VALUE) throw new ArithmeticException("host array of " + bytes + " bytes exceeds a Java array");
        ByteBuffer bb = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (array instanceof float[] f) bb.asFloatBuffer().put(f);
        else if (array instanceof double[] d) bb.asDoubleBuffer().put(d);
        else if (array instanceof short[] s) bb.asShortBuffer().put(s);
        else if (array instanceof int[] i) bb.asIntBuffer().put(i);
        else bb.asLongBuffer().put((long[]) array);
        return bb.array();
    }
}
