package dev.unitune.tensor;

import dev.unitune.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Views share storage, dtype round trips, MemoryScope, and one-line errors for bad input. */
class ViewsAndErrorsTest {
    private final CpuBackend cpu = CpuBackend.instance();

    private Tensor iota(int... shape) { return cpu.arange(DType.F32, 0, 1, Shape.numel(shape)).view(shape); }

    @Test
    void viewsShareStorageAndReadThroughStrides() {
        Tensor x = iota(2, 3, 4);
        Tensor[] views = {x.permute(2, 0, 1), x.transpose(0, 2), x.narrow(1, 1, 2), x.slice(2, 1, 4, 2), x.select(0, 1),
                x.unsqueeze(1), x.view(6, 4), x.reshape(4, 6), x.narrow(0, 1, 1).squeeze(0), x.narrow(1, 0, 1).expand(2, 5, 4)};
        for (Tensor v : views) assertSame(x.storage(), v.storage(), "view " + v + " must share storage");
        assertArrayEquals(new float[]{0, 4, 8, 12, 16, 20, 1, 5}, java.util.Arrays.copyOf(x.permute(2, 0, 1).toFloatArray(), 8));
        assertArrayEquals(new float[]{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}, x.slice(2, 1, 4, 2).toFloatArray());
        assertArrayEquals(new float[]{0, 1, 2, 3, 0, 1, 2, 3}, java.util.Arrays.copyOf(x.narrow(1, 0, 1).expand(2, 5, 4).toFloatArray(), 8));
        Tensor c = x.permute(2, 0, 1).contiguous();
        assertNotSame(x.storage(), c.storage());
        assertTrue(c.isContiguous());
        assertSame(x, x.contiguous());
    }

    @Test
    void bigStridedCopiesSplitAcrossThreadsStayExact() {
        Tensor x = iota(64, 100, 96); // 614,400 elements: the copy runs in parallel parts
        float[] p = x.permute(2, 0, 1).contiguous().toFloatArray();
        for (int i = 0; i < 96; i += 7)
            for (int j = 0; j < 64; j += 5)
                for (int k = 0; k < 100; k += 3)
                    assertEquals((j * 100 + k) * 96 + i, p[(i * 64 + j) * 100 + k], "element " + i + "," + j + "," + k);
        float[] s = x.slice(1, 1, 100, 3).to(DType.F64).toFloatArray();
        assertEquals((5 * 100 + 1 + 3 * 7) * 96 + 11, s[(5 * 33 + 7) * 96 + 11]);
    }

    @Test
    void dtypeRoundTrips() {
        float[] v = {0f, -1.5f, 2.25f, 1024f, -0.0078125f};
        for (DType dt : new DType[]{DType.F16, DType.BF16, DType.F64, DType.F32})
            assertArrayEquals(v, cpu.fromHost(v, DType.F32, 5).to(dt).to(DType.F32).toFloatArray(), dt.id() + " round trip");
        long[] l = {0, -3, 1L << 40, Long.MAX_VALUE};
        assertArrayEquals(l, (long[]) cpu.toHost(cpu.fromHost(l, DType.I64, 4).to(DType.I64)));
        assertArrayEquals(new long[]{0, -3, 7}, (long[]) cpu.toHost(cpu.fromHost(new float[]{0.9f, -3.7f, 7.2f}, DType.F32, 3).to(DType.I64)),
                "float to int truncates toward zero");
        assertArrayEquals(new byte[]{0, 1, 1}, (byte[]) cpu.toHost(cpu.fromHost(new float[]{0, -2, 0.5f}, DType.F32, 3).to(DType.BOOL)));
        assertArrayEquals(new int[]{255, 0, 44}, (int[]) cpu.toHost(cpu.fromHost(new int[]{255, 256, 300}, DType.I32, 3).to(DType.U8).to(DType.I32)),
                "u8 wraps like a C cast");
        assertEquals(Half.floatToF16(0.1f), ((short[]) cpu.toHost(cpu.fromHost(new double[]{0.1}, DType.F64, 1).to(DType.F16)))[0]);
    }

    /** A device-like storage that counts frees, to watch MemoryScope without a GPU. */
    private static final class CountingStorage extends Storage {
        int frees;
        CountingStorage() { super(CpuBackend.instance(), DType.F32, 4); MemoryScope.register(this); }
        @Override protected void release() { frees++; }
    }

    @Test
    void memoryScopeFreesAllButKeptAndKeptMovesOut() {
        CountingStorage outerKept;
        CountingStorage a, b;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope inner = MemoryScope.open()) {
                a = new CountingStorage();
                b = new CountingStorage();
                inner.keep(Tensor.contiguousOver(b, 4));
                assertEquals(1, inner.ownedCount());
            }
            assertEquals(1, a.frees);
            assertEquals(0, b.frees);
            assertEquals(1, outer.ownedCount(), "the kept storage moved to the enclosing scope");
            outerKept = new CountingStorage();
            outer.keep(Tensor.contiguousOver(outerKept, 4));
        }
        assertEquals(1, b.frees);
        assertEquals(0, outerKept.frees, "kept past the outermost scope: left to the caller");
        assertTrue(b.isFreed());
        assertThrows(IllegalStateException.class, b::checkLive);
        MemoryScope s1 = MemoryScope.open();
        MemoryScope s2 = MemoryScope.open();
        assertThrows(IllegalStateException.class, s1::close, "closing out of order");
        s2.close();
        s1.close();
        // host tensors are not registered: a CPU op inside a scope leaves nothing to free
        try (MemoryScope s = MemoryScope.open()) {
            cpu.unary(UnaryOp.EXP, iota(3));
            assertEquals(0, s.ownedCount());
        }
    }

    @Test
    void freedTensorIsAClearError() {
        Tensor t = iota(4);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.unary(UnaryOp.NEG, t));
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
    }

    private static void assertMessage(Class<? extends Throwable> type, String[] parts, org.junit.jupiter.api.function.Executable ex) {
        Throwable t = assertThrows(type, ex);
        for (String p : parts) assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' should mention " + p);
        assertFalse(t.getMessage().contains("\n"), "one-line message: " + t.getMessage());
    }

    @Test
    void badInputGetsOneLineErrorsNamingShapes() {
        Tensor a = iota(2, 3), b = iota(4, 5);
        assertMessage(IllegalArgumentException.class, new String[]{"[2, 3]", "[4, 5]"}, () -> cpu.matmul(a, b, false, false));
        assertMessage(IllegalArgumentException.class, new String[]{"[2, 3]", "[4, 5]"}, () -> cpu.binary(BinaryOp.ADD, a, b));
        assertMessage(IllegalArgumentException.class, new String[]{"float[]", "short"}, () -> cpu.fromHost(new short[2], DType.F32, 2));
        assertMessage(IllegalArgumentException.class, new String[]{"[3]", "4"}, () -> cpu.fromHost(new float[4], DType.F32, 3));
        assertMessage(IllegalArgumentException.class, new String[]{"[1, 3, 5, 5]", "[4, 2, 3, 3]"},
                () -> cpu.conv2d(iota(1, 3, 5, 5), iota(4, 2, 3, 3), null, Conv2dSpec.of(1, 1)));
        assertMessage(IllegalArgumentException.class, new String[]{"groups"}, () -> cpu.groupNorm(iota(1, 6, 2), null, null, 4, 1e-5));
        assertMessage(IllegalArgumentException.class, new String[]{"f32", "f64"}, () -> cpu.binary(BinaryOp.ADD, a, a.to(DType.F64)));
        assertMessage(IndexOutOfBoundsException.class, new String[]{"7", "[0, 2)"},
                () -> cpu.indexSelect(a, 0, cpu.fromHost(new long[]{0, 7}, DType.I64, 2)));
        assertMessage(IllegalArgumentException.class, new String[]{"[2, 3]", "[2, 4]", "dim 1"}, () -> cpu.concat(List.of(a, iota(2, 4)), 0));
        assertMessage(IllegalArgumentException.class, new String[]{"EXP", "i64"},
                () -> cpu.unary(UnaryOp.EXP, cpu.fromHost(new long[]{1}, DType.I64, 1)));
        assertMessage(IllegalArgumentException.class, new String[]{"mask", "[3, 3]"},
                () -> cpu.attention(iota(1, 1, 2, 4), iota(1, 1, 5, 4), iota(1, 1, 5, 4), iota(3, 3), 1, false));
    }

    @Test
    void integerOpsWhereTheyMakeSense() {
        Tensor x = cpu.fromHost(new int[]{7, -7, 3}, DType.I32, 3), y = cpu.fromHost(new int[]{2, 2, 3}, DType.I32, 3);
        assertArrayEquals(new int[]{3, -3, 1}, (int[]) cpu.toHost(cpu.binary(BinaryOp.DIV, x, y)), "division truncates toward zero");
        assertArrayEquals(new byte[]{0, 0, 1}, (byte[]) cpu.toHost(cpu.binary(BinaryOp.EQ, x, y)));
        assertArrayEquals(new long[]{3}, (long[]) cpu.toHost(cpu.reduce(ReduceOp.SUM, x, new int[0], false).reshape(1)), "int sums are i64");
        assertEquals(1.0, cpu.reduce(ReduceOp.MEAN, x, new int[0], false).item(), 1e-7);
        assertThrows(ArithmeticException.class, () -> cpu.binary(BinaryOp.DIV, x, cpu.fill(DType.I32, 0, 3)));
    }
}
