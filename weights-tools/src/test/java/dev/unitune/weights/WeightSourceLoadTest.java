package dev.unitune.weights;

import dev.unitune.tensor.Half;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** load / loadAs into CPU tensors, and writing tensors (including strided views) back bit-identically. */
class WeightSourceLoadTest {
    @TempDir Path dir;
    final Backend cpu = Backends.cpu();

    private static SafetensorsWriter.Entry entry(String name, WeightDType d, long[] shape, ByteBuffer b) {
        return new SafetensorsWriter.Entry(name, d, shape, ByteRange.of(b.array()));
    }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    @Test
    void everyDtypeLoadsToItsNaturalTensorType() {
        Path p = dir.resolve("all.safetensors");
        List<SafetensorsWriter.Entry> entries = SafetensorsRoundTripTest.everyDtype(11);
        SafetensorsWriter.writeEntries(p, entries, Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (String n : f.names()) {
                TensorInfo info = f.info(n);
                if (info.weightDType() == WeightDType.U64) continue; // random bits may exceed I64: checked below
                Tensor t = f.load(n, cpu);
                assertEquals(info.weightDType().naturalTensorType(), t.dtype(), n);
                assertEquals(info.numel(), t.numel(), n);
                if (WeightDType.of(t.dtype()) == info.weightDType()) // stored as is: the host bytes are the file bytes
                    assertArrayEquals(StFiles.toArray(f.bytes(n)), HostArrays.toLittleEndian(cpu.toHost(t)), n);
            }
        }
    }

    @Test
    void narrowFloatsWidenExactlyAndF32NarrowsRoundingToEven() {
        Path p = dir.resolve("f.safetensors");
        ByteBuffer h = le(6).putShort(Half.floatToF16(1.5f)).putShort((short) 0x7bff).putShort((short) 0x0001);
        ByteBuffer bf = le(4).putShort((short) 0x3f80).putShort((short) 0xc2f7);
        ByteBuffer e4 = le(3).put((byte) 0x7e).put((byte) 0x38).put((byte) 0xbc);
        ByteBuffer f = le(12).putFloat(1f + 0x1p-11f).putFloat(1f + 3 * 0x1p-11f).putFloat(70000f);
        ByteBuffer u = le(16).putLong(5).putLong(-1); // second value is 2^64-1 as U64
        SafetensorsWriter.writeEntries(p, List.of(entry("h", WeightDType.F16, new long[]{3}, h), entry("bf", WeightDType.BF16, new long[]{2}, bf),
                entry("e4", WeightDType.F8_E4M3, new long[]{3}, e4), entry("f", WeightDType.F32, new long[]{3}, f),
                entry("u", WeightDType.U64, new long[]{2}, u)), Map.of());
        try (SafetensorsFile s = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[]{1.5f, 65504f, 0x1p-24f}, (float[]) cpu.toHost(s.loadAs("h", cpu, DType.F32)));
            assertArrayEquals(new float[]{1f, -123.5f}, (float[]) cpu.toHost(s.loadAs("bf", cpu, DType.F32)));
            Tensor e = s.load("e4", cpu);
            assertEquals(DType.F32, e.dtype(), "FP8 loads as F32");
            assertArrayEquals(new float[]{448f, 1f, -1.5f}, (float[]) cpu.toHost(e));
            short[] half = (short[]) cpu.toHost(s.loadAs("f", cpu, DType.F16));
            assertArrayEquals(new short[]{0x3c00, 0x3c02, 0x7c00}, half, "ties to even; 70000 overflows half to inf");
            assertArrayEquals(new double[]{1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 70000}, (double[]) cpu.toHost(s.loadAs("f", cpu, DType.F64)));
            WeightsFormatException ex = assertThrows(WeightsFormatException.class, () -> s.load("u", cpu));
            assertTrue(ex.getMessage().contains("tensor 'u': U64 element 1 does not fit in I64"), ex.getMessage());
            ex = assertThrows(WeightsFormatException.class, () -> s.load("nope", cpu));
            assertTrue(ex.getMessage().endsWith("no tensor named 'nope'"), ex.getMessage());
        }
    }

    @Test
    void tensorsWrittenAndReadBackAreBitIdenticalIncludingViews() {
        Tensor a = cpu.fromHost(new float[]{1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        Tensor at = a.transpose(0, 1); // a strided view: written row-major
        Tensor h = cpu.fromHost(new short[]{0x3c00, (short) 0xfc00}, DType.F16, 2);
        Tensor ids = cpu.fromHost(new long[]{49406, 320, 49407}, DType.I64, 1, 3);
        Tensor flags = cpu.fromHost(new byte[]{1, 0}, DType.BOOL, 2);
        Tensor scalar = cpu.fromHost(new float[]{0.18215f}, DType.F32);
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", a);
        m.put("a.T", at);
        m.put("h", h);
        m.put("ids", ids);
        m.put("flags", flags);
        m.put("scaling_factor", scalar);
        Path p = dir.resolve("t.safetensors");
        SafetensorsWriter.write(p, m, Map.of("kind", "test"));
        try (WeightSource w = WeightSources.open(p)) {
            assertEquals(List.of("a", "a.T", "h", "ids", "flags", "scaling_factor"), w.names());
            assertEquals("test", w.metadata().get("kind"));
            assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, (float[]) cpu.toHost(w.load("a.T", cpu)));
            assertArrayEquals(new int[]{3, 2}, w.load("a.T", cpu).shape());
            for (String n : w.names()) {
                Tensor t = w.load(n, cpu);
                assertEquals(m.get(n).dtype(), t.dtype(), n);
                assertArrayEquals(m.get(n).shape(), t.shape(), n);
                assertArrayEquals(HostArrays.toLittleEndian(cpu.toHost(m.get(n))), HostArrays.toLittleEndian(cpu.toHost(t)), n);
            }
        }
    }
}
