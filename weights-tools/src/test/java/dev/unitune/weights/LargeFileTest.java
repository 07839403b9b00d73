package dev.unitune.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A 3.2 GB safetensors file made sparse (only a few bytes are written, so it costs no disk): tensors past
 * 2 GB and tensors straddling the 1 GiB mapping segments must read correctly.
 */
class LargeFileTest {
    @TempDir Path dir;

    @Test
    void tensorsBeyondTwoGigabytesAndAcrossSegmentsReadCorrectly() throws Exception {
        long big = 3L << 30; // one U8 filler tensor of 3 GiB
        String header = "{\"filler\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + big + "," + (big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        long dataStart = 8 + padded;
        Path p = dir.resolve("sparse.safetensors");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(h);
            while (b.hasRemaining()) b.put((byte) ' ');
            ch.write(b.flip(), 0);
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(7f);
            ch.write(tail.flip(), dataStart + big);
            // Marker bytes just before and after the 1 GiB and 2 GiB file offsets (segment boundaries).
            for (long boundary : new long[]{1L << 30, 2L << 30}) {
                ch.write(ByteBuffer.wrap(new byte[]{11, 22, 33, 44}), boundary - 2);
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(big + 16 + dataStart, p.toFile().length());
            float[] tail = TensorDecoder.toFloats(f.bytes("tail"), WeightDType.F32, 4);
            assertArrayEquals(new float[]{1.5f, -2f, 3.25f, 7f}, tail);
            ByteRange filler = f.bytes("filler");
            assertEquals(big, filler.size());
            for (long boundary : new long[]{1L << 30, 2L << 30}) {
                long rel = boundary - 2 - dataStart; // where the markers are inside the filler tensor
                ByteBuffer piece = filler.piece(rel - 100, 200); // straddles the boundary
                assertEquals(11, piece.get(100));
                assertEquals(22, piece.get(101));
                assertEquals(33, piece.get(102));
                assertEquals(44, piece.get(103));
            }
            WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> f.load("filler", dev.unitune.tensor.Backends.cpu()));
            assertTrue(e.getMessage().contains("more elements than a tensor can hold"), e.getMessage());
        }
    }
}
