package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** adoptHost: the CPU keeps the caller's array (no second copy of every loaded weight), with fromHost's checks. */
class AdoptHostTest {
    private final CpuBackend cpu = CpuBackend.instance();

    @Test
    void adoptsTheArrayWithoutCopying() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = cpu.adoptHost(data, DType.F32, 2, 3);
        assertSame(data, ((CpuStorage) t.storage()).array());
        assertArrayEquals(data, t.toFloatArray());
    }

    @Test
    void normalisesBoolsAndChecksClassAndLength() {
        byte[] flags = {0, 7, -1};
        Tensor b = cpu.adoptHost(flags, DType.BOOL, 3);
        assertArrayEquals(new byte[]{0, 1, 1}, (byte[]) cpu.toHost(b));
        IllegalArgumentException wrongClass = assertThrows(IllegalArgumentException.class, () -> cpu.adoptHost(new int[6], DType.F32, 2, 3));
        assertTrue(wrongClass.getMessage().contains("float[]"), wrongClass.getMessage());
        IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class, () -> cpu.adoptHost(new float[5], DType.F32, 2, 3));
        assertTrue(wrongLength.getMessage().contains("[2, 3]"), wrongLength.getMessage());
    }
}
