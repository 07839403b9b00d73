package dev.unitune.weights;

import java.nio.ByteBuffer;

/**
 * The stored bytes of one tensor (row-major, little-endian), readable in pieces so that tensors larger
 * than one ByteBuffer (2 GB) and mapped files over 2 GB work the same way.
 */
public interface ByteRange {
    /** Total bytes. */
    long size();

    /**
     * A little-endian buffer over bytes [offset, offset + length) of this range; position 0, limit length.
     * length is at most {@link #MAX_PIECE}.
     */
    ByteBuffer piece(long offset, int length);

    /** Largest piece callers ask for; a multiple of every element size. */
    int MAX_PIECE = 1 << 24;

    /** All the bytes in one array (for ranges under 2 GB), read piece by piece. */
    default byte[] readAll() {
        if (size() > Integer.MAX_VALUE - 8) throw new IllegalStateException("a range of " + size() + " bytes does not fit in one array");
        byte[] out = new byte[(int) size()];
        for (long off = 0; off < out.length; off += MAX_PIECE) {
            int n = (int) Math.min(MAX_PIECE, out.length - off);
            piece(off, n).get(out, (int) off, n);
        }
        return out;
    }

    static ByteRange of(ByteBuffer whole) {
        ByteBuffer base = whole.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return new ByteRange() {
            public long size() { return base.remaining(); }
            public ByteBuffer piece(long offset, int length) {
                return base.slice((int) offset, length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    static ByteRange of(byte[] bytes) { return of(ByteBuffer.wrap(bytes)); }
}
