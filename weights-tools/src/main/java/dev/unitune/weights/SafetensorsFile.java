package dev.unitune.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is read and validated at once, the data buffer is
 * memory-mapped and a tensor's bytes are touched only when it is loaded.
 */
public final class SafetensorsFile extends AbstractWeightSource {
    private final MappedFile file;
    private final long dataStart;
    private final Map<String, SafetensorsHeader.Entry> entries;

    private SafetensorsFile(Path path, MappedFile file, long dataStart, SafetensorsHeader header) {
        super(path, infos(header), header.metadata);
        this.file = file;
        this.dataStart = dataStart;
        this.entries = header.entries;
    }

    private static LinkedHashMap<String, TensorInfo> infos(SafetensorsHeader h) {
        LinkedHashMap<String, TensorInfo> m = new LinkedHashMap<>();
        h.entries.forEach((k, e) -> m.put(k, e.info()));
        return m;
    }

    /** Opens and validates; every problem is a one-line {@link WeightsFormatException}. */
    public static SafetensorsFile open(Path path) {
        MappedFile mf;
        try {
            mf = new MappedFile(path);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsFormatException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            long size = mf.size();
            if (size < 8)
                throw new WeightsFormatException(path + ": truncated: " + size + " bytes, too short for the 8-byte header length");
            ByteBuffer lenBuf = readFully(mf.channel(), 0, 8, path);
            long n = lenBuf.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES)
                throw new WeightsFormatException(path + ": header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                        + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
            if (8 + n > size)
                throw new WeightsFormatException(path + ": truncated: header length " + n + " but only " + (size - 8)
                        + " bytes follow");
            ByteBuffer header = readFully(mf.channel(), 8, (int) n, path);
            SafetensorsHeader h = SafetensorsHeader.parse(path.toString(), header, size - 8 - n);
            return new SafetensorsFile(path, mf, 8 + n, h);
        } catch (RuntimeException e) {
            mf.close();
            throw e;
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long pos, int len, Path path) {
        ByteBuffer b = ByteBuffer.allocate(len);
        try {
            while (b.hasRemaining()) {
                int r = ch.read(b, pos + b.position());
                if (r < 0) throw new WeightsFormatException(path + ": truncated at byte " + (pos + b.position()));
            }
        } catch (IOException e) {
            throw new WeightsFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
        return b.flip();
    }

    /** Where the data buffer starts in the file (8 + header length). */
    public long dataStart() { return dataStart; }

    /** Absolute file offset of a tensor's first byte. */
    public long fileOffset(String name) {
        info(name);
        return dataStart + entries.get(name).begin();
    }

    @Override
    public ByteRange bytes(String name) {
        SafetensorsHeader.Entry e = entries.get(name);
        if (e == null) info(name); // throws naming the file
        return file.range(dataStart + e.begin(), e.end() - e.begin());
    }

    @Override
    public void close() { file.close(); }

    @Override
    public String toString() { return "safetensors " + path + " (" + names().size() + " tensors)"; }
}
