package dev.unitune.weights;

import dev.unitune.tensor.DType;

import java.nio.ByteBuffer;

/**
 * A tensor's bytes converted to another float dtype, computed when the writer first asks and dropped once
 * the last byte has been handed out, so converting a whole checkpoint holds one tensor at a time.
 */
public final class ConvertedRange implements ByteRange {
    private final ByteRange source;
    private final WeightDType from;
    private final DType to;
    private final int numel;
    private final String what;
    private ByteRange converted;

    public ConvertedRange(ByteRange source, WeightDType from, DType to, int numel, String what) {
        this.source = source;
        this.from = from;
        this.to = to;
        this.numel = numel;
        this.what = what;
    }

    @Override
    public long size() { return (long) numel * to.byteSize(); }

    @Override
    public synchronized ByteBuffer piece(long offset, int length) {
        if (converted == null)
            converted = ByteRange.of(HostArrays.toLittleEndian(TensorDecoder.decode(source, from, numel, to, what)));
        ByteBuffer b = converted.piece(offset, length);
        if (offset + length == size()) converted = null; // last piece: let the GC have it
        return b;
    }

    /** Bytes [offset, offset+length) of a range, as a range. */
    public static ByteRange slice(ByteRange r, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > r.size())
            throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of a range of " + r.size() + " bytes");
        return new ByteRange() {
            public long size() { return length; }
            public ByteBuffer piece(long off, int len) { return r.piece(offset + off, len); }
        };
    }
}
