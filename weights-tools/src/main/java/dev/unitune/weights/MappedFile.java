package dev.unitune.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory map of a whole file of any size. One MappedByteBuffer holds at most 2 GB, so the
 * file is mapped lazily in 1 GiB segments that overlap by {@link ByteRange#MAX_PIECE}: any piece of at
 * most that size lies entirely inside the segment its first byte falls in, so no piece is ever copied.
 */
final class MappedFile implements AutoCloseable {
    static final long SEGMENT = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final MappedByteBuffer[] segments;

    MappedFile(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.size = channel.size();
        this.segments = new MappedByteBuffer[(int) Math.max(1, (size + SEGMENT - 1) / SEGMENT)];
    }

    long size() { return size; }

    FileChannel channel() { return channel; }

    /** Little-endian buffer over [offset, offset + length) of the file; length <= MAX_PIECE. */
    ByteBuffer piece(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > size || length > ByteRange.MAX_PIECE)
            throw new IndexOutOfBoundsException(path + ": piece [" + offset + ", +" + length + ") outside file of " + size + " bytes");
        int k = (int) (offset / SEGMENT);
        MappedByteBuffer seg = segment(k);
        return seg.slice((int) (offset - k * SEGMENT), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private synchronized MappedByteBuffer segment(int k) {
        if (segments[k] == null) {
            long start = k * SEGMENT;
            long len = Math.min(size - start, SEGMENT + ByteRange.MAX_PIECE);
            try {
                segments[k] = channel.map(FileChannel.MapMode.READ_ONLY, start, len);
            } catch (IOException e) {
                throw new WeightsFormatException(path + ": cannot map bytes " + start + ".." + (start + len) + ": " + e.getMessage(), e);
            }
        }
        return segments[k];
    }

    /** The bytes [start, start+length) as a {@link ByteRange}. */
    ByteRange range(long start, long length) {
        return new ByteRange() {
            public long size() { return length; }
            public ByteBuffer piece(long offset, int len) {
                if (offset < 0 || offset + len > length)
                    throw new IndexOutOfBoundsException("piece [" + offset + ", +" + len + ") outside range of " + length + " bytes");
                return MappedFile.this.piece(start + offset, len);
            }
        };
    }

    @Override
    public void close() {
        // Mapped segments are released by the GC (Java 17 has no public unmap); the channel closes now.
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to do: the file was only read
        }
    }
}
