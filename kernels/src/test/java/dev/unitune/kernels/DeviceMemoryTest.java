package dev.unitune.kernels;

import dev.unitune.tensor.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device memory is freed deterministically: scopes, close(), and a 1,000-step conv + attention loop.
 * The loop uses its own backend instance, so garbage left by other tests (which the GC-driven safety net
 * may free at any moment) cannot move its allocatedBytes().
 */
class DeviceMemoryTest {
    @Test
    void thousandConvAttentionStepsReturnToTheStartingAllocation() throws Exception {
        DeviceBackends.openClOrSkip();
        try (DeviceBackend cl = dev.unitune.kernels.opencl.OpenClBackend.create()) {
            loop(cl);
        }
    }

    private static void loop(DeviceBackend cl) {
        long start = cl.allocatedBytes();
        Tensor x = cl.uniform(DType.F32, 1, 0, -1, 1, 1, 4, 8, 8), w = cl.uniform(DType.F32, 2, 0, -1, 1, 4, 4, 3, 3);
        Tensor state = x;
        long afterSetup = cl.allocatedBytes();
        for (int step = 0; step < 1000; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor h = cl.conv2d(state, w, null, Conv2dSpec.of(1, 1));
                NormResult n = cl.groupNorm(h, null, null, 2, 1e-5);
                Tensor seq = n.output().reshape(1, 4, 64).transpose(1, 2).unsqueeze(1); // [1, 1, 64, 4]
                Tensor a = cl.attention(seq, seq, seq, null, 0.5, false).output();
                Tensor next = cl.binaryScalar(BinaryOp.MUL, a.squeeze(1).transpose(1, 2).reshape(1, 4, 8, 8), 0.5);
                if (state != x) state.close(); // the previous step's kept result
                state = scope.keep(next);
            }
            if (step == 0 || step == 999) assertEquals(afterSetup + state.storage().byteSize(), cl.allocatedBytes(), "after step " + step);
        }
        state.close();
        x.close();
        w.close();
        assertEquals(start, cl.allocatedBytes());
    }

    @Test
    void closeFreesAtOnceAndUseAfterFreeIsAClearError() throws Exception {
        DeviceBackends.openClOrSkip();
        try (DeviceBackend cl = dev.unitune.kernels.opencl.OpenClBackend.create()) {
            closeAndUseAfterFree(cl);
        }
    }

    private static void closeAndUseAfterFree(DeviceBackend cl) {
        long start = cl.allocatedBytes();
        Tensor t = cl.fill(DType.F16, 1, 1000);
        assertEquals(start + 2000, cl.allocatedBytes());
        t.close();
        t.close(); // idempotent
        assertEquals(start, cl.allocatedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cl.unary(UnaryOp.EXP, t));
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
    }

    @Test
    void anUnreachableUnfreedTensorIsReleasedAfterGarbageCollection() throws Exception {
        DeviceBackends.openClOrSkip();
        try (DeviceBackend cl = dev.unitune.kernels.opencl.OpenClBackend.create()) {
            long start = cl.allocatedBytes();
            cl.fill(DType.F32, 1, 4096); // dropped at once, never closed, in no scope
            assertEquals(start + 16384, cl.allocatedBytes());
            for (int i = 0; i < 200 && cl.allocatedBytes() != start; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(start, cl.allocatedBytes(), "the Cleaner safety net should have released the buffer");
        }
    }

    @Test
    void foreignTensorsAreRefusedNamingBothBackends() {
        DeviceBackend cl = DeviceBackends.openClOrSkip();
        Tensor cpu = Backends.cpu().fill(DType.F32, 1, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.unary(UnaryOp.EXP, cpu));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("opencl"), e.getMessage());
    }
}
