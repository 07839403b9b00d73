package dev.unitune.tensor.cpu;

import dev.unitune.tensor.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The query-blocked F32 attention path (used for long sequences) gives the same bits as one block. */
class AttentionBlockingTest {
    @Test
    void blockedEqualsUnblocked() {
        CpuBackend cpu = CpuBackend.instance();
        Tensor q = cpu.normal(DType.F32, 1, 0, 0, 1, 2, 3, 37, 8), k = cpu.normal(DType.F32, 2, 0, 0, 1, 2, 3, 29, 8);
        Tensor v = cpu.normal(DType.F32, 3, 0, 0, 1, 2, 3, 29, 5), gy = cpu.normal(DType.F32, 4, 0, 0, 1, 2, 3, 37, 5);
        Tensor mask = cpu.normal(DType.F32, 5, 0, 0, 1, 1, 1, 37, 29);
        int saved = AttentionKernels.scoreBlock;
        AttentionResult whole;
        AttentionGrads wholeG;
        AttentionResult blocked;
        AttentionGrads blockedG;
        try {
            whole = cpu.attention(q, k, v, mask, 0.3, true);
            wholeG = cpu.attentionBackward(gy, q, k, v, whole.output(), whole.logSumExp(), mask, 0.3, true);
            AttentionKernels.scoreBlock = 29 * 5; // 5 query rows per block: 8 blocks, the last one partial
            blocked = cpu.attention(q, k, v, mask, 0.3, true);
            blockedG = cpu.attentionBackward(gy, q, k, v, blocked.output(), blocked.logSumExp(), mask, 0.3, true);
        } finally {
            AttentionKernels.scoreBlock = saved;
        }
        assertArrayEquals(whole.output().toFloatArray(), blocked.output().toFloatArray());
        assertArrayEquals(whole.logSumExp().toFloatArray(), blocked.logSumExp().toFloatArray());
        assertArrayEquals(wholeG.gradQ().toFloatArray(), blockedG.gradQ().toFloatArray());
        // dK and dV accumulate block by block (beta = 1), so their rounding differs from one big GEMM:
        // compare with the F64 result instead, within float32 accumulation error over 37 queries.
        AttentionGrads ref = cpu.attentionBackward(gy.to(DType.F64), q.to(DType.F64), k.to(DType.F64), v.to(DType.F64),
                whole.output().to(DType.F64), whole.logSumExp().to(DType.F64), mask.to(DType.F64), 0.3, true);
        assertClose(ref.gradK().toDoubleArray(), blockedG.gradK().toDoubleArray(), 37 * 8);
        assertClose(ref.gradV().toDoubleArray(), blockedG.gradV().toDoubleArray(), 37 * 8);
    }

    private static void assertClose(double[] want, double[] got, int k) {
        double gamma = k * 0x1p-24 / (1 - k * 0x1p-24);
        double scale = 0;
        for (double w : want) scale = Math.max(scale, Math.abs(w));
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-5 + 1.3e-6 * Math.abs(want[i]) + 4 * gamma * scale, "element " + i);
    }
}
