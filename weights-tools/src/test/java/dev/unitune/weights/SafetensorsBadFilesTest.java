package dev.unitune.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-made corpus of broken and hostile safetensors files: each is a one-line error naming the file. */
class SafetensorsBadFilesTest {
    @TempDir Path dir;

    private static final String ONE = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private String rejects(byte[] content, String expectedFragment) throws Exception {
        Path p = StFiles.write(dir, "bad.safetensors", content);
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (String n : f.names()) StFiles.toArray(f.bytes(n));
            }
        });
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), "names the file: " + m);
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        assertTrue(m.contains(expectedFragment), "expected '" + expectedFragment + "' in: " + m);
        return m;
    }

    @Test
    void validFileOpens() throws Exception {
        Path p = StFiles.write(dir, "ok.safetensors", StFiles.bytes(ONE, new byte[8]));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(1, f.names().size());
        }
    }

    @Test void emptyFile() throws Exception { rejects(new byte[0], "too short"); }
    @Test void truncatedLength() throws Exception { rejects(new byte[5], "too short"); }

    @Test
    void truncatedHeader() throws Exception {
        byte[] full = StFiles.bytes(ONE, new byte[8]);
        rejects(Arrays.copyOf(full, 20), "truncated");
    }

    @Test
    void headerLengthTwoToThe63() throws Exception {
        rejects(StFiles.bytes(1L << 63, ONE.getBytes(StandardCharsets.UTF_8), new byte[8]), "9223372036854775808 exceeds");
    }

    @Test
    void headerLengthJustOverLimit() throws Exception {
        rejects(StFiles.bytes(100_000_001L, ONE.getBytes(StandardCharsets.UTF_8), new byte[8]), "exceeds the limit");
    }

    @Test void headerNotJson() throws Exception { rejects(StFiles.bytes("{not json at all}", new byte[0]), "not valid JSON"); }
    @Test void headerNotObject() throws Exception { rejects(StFiles.bytes("[1,2,3]", new byte[0]), "does not start with '{'"); }
    @Test void headerLeadingSpace() throws Exception { rejects(StFiles.bytes(" " + ONE, new byte[8]), "does not start with '{'"); }
    @Test void trailingJunkAfterObject() throws Exception { rejects(StFiles.bytes(ONE + "{}", new byte[8]), "not valid JSON"); }

    @Test
    void invalidUtf8() throws Exception {
        byte[] h = "{\"\u00ff\":1}".getBytes(StandardCharsets.ISO_8859_1);
        rejects(StFiles.bytes(h.length, h, new byte[0]), "UTF-8");
    }

    @Test
    void overlappingOffsets() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap");
    }

    @Test
    void gapBetweenTensors() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]), "gap");
    }

    @Test
    void offsetsPastEndOfFile() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]), "truncated?");
    }

    @Test
    void hugeOffsets() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],\"data_offsets\":[0,9223372036854775807]}}", new byte[8]), "truncated?");
    }

    @Test
    void bytesLeftAfterLastTensor() throws Exception {
        rejects(StFiles.bytes(ONE, new byte[12]), "4 bytes after the last tensor");
    }

    @Test
    void beginAfterEnd() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]), "begin 8 > end 0");
    }

    @Test
    void shapeTimesDtypeMismatch() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "needs 12");
    }

    @Test
    void shapeProductOverflows() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", new byte[8]),
                "overflows 64 bits");
    }

    @Test
    void shapeTimesElementSizeOverflows() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,8]}}", new byte[8]),
                "size overflows");
    }

    @Test void negativeDim() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]), "shape[0] is -2");
    }

    @Test void fractionalDim() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", new byte[8]), "shape[0] is 2.0");
    }

    @Test
    void duplicateKey() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "Duplicate field 'a'");
    }

    @Test
    void duplicateKeyInsideEntry() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "Duplicate field");
    }

    @Test
    void nulInName() throws Exception {
        rejects(StFiles.bytes("{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "NUL");
    }

    @Test
    void metadataWithNonString() throws Exception {
        rejects(StFiles.bytes("{\"__metadata__\":{\"epoch\":3}," + ONE.substring(1), new byte[8]), "value of 'epoch' is a NUMBER");
    }

    @Test
    void metadataNotObject() throws Exception {
        rejects(StFiles.bytes("{\"__metadata__\":\"x\"," + ONE.substring(1), new byte[8]), "__metadata__ is a STRING");
    }

    @Test void unknownDtype() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "unknown dtype 'F31'");
    }

    @Test void missingOffsets() throws Exception {
        rejects(StFiles.bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "data_offsets must be");
    }

    @Test void entryNotObject() throws Exception {
        rejects(StFiles.bytes("{\"a\":[1,2]}", new byte[0]), "tensor 'a': entry is a ARRAY");
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutStackOverflow() throws Exception {
        String deep = "{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";
        rejects(StFiles.bytes(deep, new byte[0]), "not valid JSON");
    }

    @Test
    void scalarsAndEmptyTensorsAreAllowed() throws Exception {
        Path p = StFiles.write(dir, "ok.safetensors", StFiles.bytes("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,7],\"data_offsets\":[4,4]}}", new byte[4]));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(1, f.info("s").numel());
            assertEquals(0, f.info("e").numel());
        }
    }

    @Test
    void emptyHeaderObjectWithNoDataIsAValidEmptyFile() throws Exception {
        Path p = StFiles.write(dir, "empty.safetensors", StFiles.bytes("{}", new byte[0]));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertTrue(f.names().isEmpty());
        }
    }
}
