package dev.unitune.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files atomically (temp file in the same folder, fsync, atomic move), tensors in the
 * given order and contiguous, header padded with spaces so the data starts on an 8-byte boundary.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** One tensor to write: its stored dtype, shape and exactly numel x dtype-size bytes. */
    public record Entry(String name, WeightDType dtype, long[] shape, ByteRange data) {}

    public static void write(Path out, LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> entries.add(entryOf(name, t)));
        writeEntries(out, entries, metadata);
    }

    /** A tensor's elements as an entry (copied to host, row-major, little-endian). */
    public static Entry entryOf(String name, Tensor t) {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) shape[i] = t.dim(i);
        return new Entry(name, WeightDType.of(t.dtype()), shape, ByteRange.of(HostArrays.toLittleEndian(t.backend().toHost(t))));
    }

    /** Writes raw entries (e.g. copied from another file without converting). */
    public static void writeEntries(Path out, List<Entry> entries, Map<String, String> metadata) {
        byte[] header = header(out, entries, metadata);
        AtomicFiles.write(out, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeAll(ch, len);
            writeAll(ch, ByteBuffer.wrap(header));
            for (Entry e : entries) {
                long size = e.data().size();
                for (long off = 0; off < size; off += ByteRange.MAX_PIECE) {
                    int n = (int) Math.min(ByteRange.MAX_PIECE, size - off);
                    writeAll(ch, e.data().piece(off, n));
                }
            }
        });
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws java.io.IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** The JSON header, space-padded to a multiple of 8 bytes. */
    static byte[] header(Path out, List<Entry> entries, Map<String, String> metadata) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode md = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) throw new WeightsFormatException(out + ": metadata key/value must not be null (key " + k + ")");
                md.put(k, v);
            });
        }
        long offset = 0;
        for (Entry e : entries) {
            String where = out + ": tensor '" + e.name() + "'";
            if (e.name().equals(SafetensorsHeader.METADATA_KEY) || e.name().indexOf('\0') >= 0)
                throw new WeightsFormatException(where + ": name not allowed in safetensors");
            if (root.has(e.name())) throw new WeightsFormatException(where + ": duplicate name");
            long numel = 1;
            for (long d : e.shape()) {
                if (d < 0) throw new WeightsFormatException(where + ": negative dimension " + d);
                numel = Math.multiplyExact(numel, d);
            }
            long size = Math.multiplyExact(numel, e.dtype().byteSize());
            if (e.data().size() != size)
                throw new WeightsFormatException(where + ": has " + e.data().size() + " bytes, shape needs " + size);
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode sh = t.putArray("shape");
            for (long d : e.shape()) sh.add(d);
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        String json;
        try {
            json = SafetensorsHeader.JSON.writeValueAsString(root);
        } catch (JsonProcessingException ex) {
            throw new WeightsFormatException(out + ": cannot encode header: " + ex.getOriginalMessage(), ex);
        }
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8; // data starts at 8 + padded, a multiple of 8
        byte[] h = new byte[padded];
        System.arraycopy(raw, 0, h, 0, raw.length);
        for (int i = raw.length; i < padded; i++) h[i] = ' ';
        return h;
    }
}
