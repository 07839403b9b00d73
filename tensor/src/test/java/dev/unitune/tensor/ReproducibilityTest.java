package dev.unitune.tensor;

import dev.unitune.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/** The same op on the same inputs gives identical bits, whatever the threads did (shapes big enough to split). */
class ReproducibilityTest {
    private final CpuBackend cpu = CpuBackend.instance();

    private static void twice(String what, Supplier<Tensor> op) {
        float[] a = op.get().toFloatArray(), b = op.get().toFloatArray();
        for (int i = 0; i < a.length; i++)
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + " element " + i);
    }

    @Test
    void opsAreBitReproducible() {
        Tensor a = cpu.normal(DType.F32, 1, 0, 0, 1, 3, 67, 131), b = cpu.normal(DType.F32, 2, 0, 0, 1, 3, 131, 89);
        twice("matmul", () -> cpu.matmul(a, b, false, false));
        Tensor x = cpu.normal(DType.F32, 3, 0, 0, 1, 2, 8, 33, 35), w = cpu.normal(DType.F32, 4, 0, 0, 1, 16, 8, 3, 3);
        twice("conv2d", () -> cpu.conv2d(x, w, null, Conv2dSpec.of(1, 1)));
        twice("softmax", () -> cpu.softmax(x, 3));
        twice("groupNorm", () -> cpu.groupNorm(x, null, null, 4, 1e-5).output());
        twice("sum", () -> cpu.reduce(ReduceOp.SUM, x, new int[]{1, 3}, false));
        twice("gelu", () -> cpu.unary(UnaryOp.GELU, x));
        twice("add", () -> cpu.binary(BinaryOp.ADD, x, cpu.normal(DType.F32, 9, 0, 0, 1, 8, 1, 1)));
        Tensor q = cpu.normal(DType.F32, 5, 0, 0, 1, 2, 4, 64, 16), k = cpu.normal(DType.F32, 6, 0, 0, 1, 2, 4, 77, 16);
        twice("attention", () -> cpu.attention(q, k, k, null, 0.25, false).output());
        twice("uniform", () -> cpu.uniform(DType.F32, 8, 123, -1, 1, 100_003));
    }

    @Test
    void threadCountDoesNotChangeTheBits() {
        Tensor x = cpu.normal(DType.F32, 3, 0, 0, 1, 2, 8, 33, 35), w = cpu.normal(DType.F32, 4, 0, 0, 1, 16, 8, 3, 3);
        Tensor q = cpu.normal(DType.F32, 5, 0, 0, 1, 2, 4, 64, 16);
        Supplier<float[][]> all = () -> new float[][]{cpu.conv2d(x, w, null, Conv2dSpec.of(1, 1)).toFloatArray(),
                cpu.unary(UnaryOp.SILU, x).toFloatArray(), cpu.reduce(ReduceOp.SUM, x, new int[]{1, 3}, false).toFloatArray(),
                cpu.attention(q, q, q, null, 0.25, true).output().toFloatArray(), cpu.groupNorm(x, null, null, 4, 1e-5).output().toFloatArray()};
        int saved = CpuBackend.threads();
        try {
            CpuBackend.setThreads(1);
            float[][] one = all.get();
            CpuBackend.setThreads(3);
            float[][] three = all.get();
            for (int i = 0; i < one.length; i++) assertArrayEquals(one[i], three[i], "op " + i + " with 1 vs 3 threads");
        } finally {
            CpuBackend.setThreads(saved);
        }
    }
}
