package dev.unitune.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Host arrays (as Backend.toHost returns them) to little-endian bytes. */
final class HostArrays {
    private HostArrays() {}

    static byte[] toLittleEndian(Object array) {
        if (array instanceof byte[] b) return b.clone();
        if (array instanceof float[] f) {
            ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(f.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(f);
            return bb.array();
        }
        if (array instanceof double[] d) {
            ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(d.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
            bb.asDoubleBuffer().put(d);
            return bb.array();
        }
        if (array instanceof short[] s) {
            ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(s.length, 2)).order(ByteOrder.LITTLE_ENDIAN);
            bb.asShortBuffer().put(s);
            return bb.array();
        }
        if (array instanceof int[] i) {
            ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(i.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
            bb.asIntBuffer().put(i);
            return bb.array();
        }
        if (array instanceof long[] l) {
            ByteBuffer bb = ByteBuffer.allocate(Math.multiplyExact(l.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
            bb.asLongBuffer().put(l);
            return bb.array();
        }
        throw new IllegalArgumentException("not a host tensor array: " + (array == null ? "null" : array.getClass().getSimpleName()));
    }
}
