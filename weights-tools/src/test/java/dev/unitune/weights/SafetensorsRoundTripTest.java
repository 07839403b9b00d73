package dev.unitune.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsRoundTripTest {
    @TempDir Path dir;

    /** One tensor of every spec dtype, plus a scalar and an empty tensor, with random bytes. */
    static List<SafetensorsWriter.Entry> everyDtype(long seed) {
        Random r = new Random(seed);
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        for (WeightDType d : WeightDType.values()) {
            long[] shape = {2, 3};
            byte[] data = new byte[6 * d.byteSize()];
            r.nextBytes(data);
            if (d == WeightDType.BOOL) for (int i = 0; i < data.length; i++) data[i] &= 1;
            out.add(new SafetensorsWriter.Entry("t." + d.name().toLowerCase(), d, shape, ByteRange.of(data)));
        }
        out.add(new SafetensorsWriter.Entry("scalar", WeightDType.F32, new long[0], ByteRange.of(StFiles.floats(3.5f))));
        out.add(new SafetensorsWriter.Entry("empty", WeightDType.F16, new long[]{4, 0, 2}, ByteRange.of(new byte[0])));
        out.add(new SafetensorsWriter.Entry("odd.u8", WeightDType.U8, new long[]{3}, ByteRange.of(new byte[]{1, 2, 3})));
        out.add(new SafetensorsWriter.Entry("after.odd", WeightDType.F64, new long[]{1}, ByteRange.of(new byte[8])));
        return out;
    }

    @Test
    void everyDtypeRoundTripsBitIdenticalWithMetadata() throws Exception {
        List<SafetensorsWriter.Entry> entries = everyDtype(42);
        Map<String, String> md = new LinkedHashMap<>();
        md.put("format", "pt");
        md.put("unicode \u00e9\u4e2d", "value with \"quotes\" and \n newline");
        Path p = dir.resolve("all.safetensors");
        SafetensorsWriter.writeEntries(p, entries, md);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(entries.stream().map(SafetensorsWriter.Entry::name).toList(), f.names(), "file order kept");
            assertEquals(md, f.metadata());
            assertEquals(0, f.dataStart() % 8, "header padded so data starts on an 8-byte boundary");
            for (SafetensorsWriter.Entry e : entries) {
                TensorInfo info = f.info(e.name());
                assertEquals(e.dtype().name(), info.dtype());
                assertArrayEquals(e.shape(), info.shape());
                assertArrayEquals(StFiles.toArray(e.data()), StFiles.toArray(f.bytes(e.name())), e.name());
            }
            // Re-writing what was read gives the same file, byte for byte.
            List<SafetensorsWriter.Entry> again = new ArrayList<>();
            for (String n : f.names()) {
                TensorInfo i = f.info(n);
                again.add(new SafetensorsWriter.Entry(n, i.weightDType(), i.shape(), f.bytes(n)));
            }
            Path q = dir.resolve("again.safetensors");
            SafetensorsWriter.writeEntries(q, again, f.metadata());
            assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(q));
        }
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temp files left behind");
        }
    }

    @Test
    void readsTheSharedGoldenFormat() throws Exception {
        Path p = dir.resolve("sched.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/scheduler_ddim_eps.safetensors")) {
            Files.copy(in, p);
        }
        try (WeightSource f = WeightSources.open(p)) {
            assertEquals("scheduler", f.metadata().get("kind"));
            TensorInfo betas = f.info("output.betas");
            assertEquals("F32", betas.dtype());
            assertArrayEquals(new long[]{1000}, betas.shape());
            float[] b = TensorDecoder.toFloats(f.bytes("output.betas"), WeightDType.F32, 1000);
            // scaled_linear: betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2 (diffusers SD default)
            assertEquals(0.00085, b[0], 1e-9);
            assertEquals(0.012, b[999], 1e-8);
            assertEquals("F64", f.info("output.alphas_cumprod_fp64").dtype());
            long[] ts = (long[]) TensorDecoder.decode(f.bytes("output.timesteps_50"), WeightDType.I64, 50, dev.unitune.tensor.DType.I64, "t");
            assertEquals(981, ts[0]); // DDIM, 50 steps, leading spacing, steps_offset 1: 981, 961, ..., 1
            assertEquals(1, ts[49]);
        }
    }

    @Test
    void metadataValueLargerThanJacksonsDefaultStringCapRoundTrips() throws Exception {
        String big = "x".repeat(21_000_000); // over Jackson's 20M default, well under the 100 MB header cap
        Path p = dir.resolve("bigmeta.safetensors");
        SafetensorsWriter.writeEntries(p, List.of(), Map.of("notes", big));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(big.length(), f.metadata().get("notes").length());
        }
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        Path p = dir.resolve("bad.safetensors");
        List<SafetensorsWriter.Entry> bad = List.of(new SafetensorsWriter.Entry("x", WeightDType.F32, new long[]{3},
                ByteRange.of(new byte[8])));
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> SafetensorsWriter.writeEntries(p, bad, Map.of()));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void largeTensorSpanningManyPiecesReadsBack() throws Exception {
        // 5M floats = 20 MB: more than one 16 MiB piece, so piece boundaries are exercised.
        int n = 5_000_000;
        ByteBuffer bb = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) bb.putFloat(i * 0.5f);
        Path p = dir.resolve("big.safetensors");
        SafetensorsWriter.writeEntries(p, List.of(
                new SafetensorsWriter.Entry("pad", WeightDType.U8, new long[]{3}, ByteRange.of(new byte[3])),
                new SafetensorsWriter.Entry("big", WeightDType.F32, new long[]{n}, ByteRange.of(bb.array()))), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            float[] v = TensorDecoder.toFloats(f.bytes("big"), WeightDType.F32, n);
            for (int i = 0; i < n; i += 99_991) assertEquals(i * 0.5f, v[i]);
            assertEquals((n - 1) * 0.5f, v[n - 1]);
            assertArrayEquals(bb.array(), f.bytes("big").readAll(), "readAll joins the pieces");
        }
    }
}
