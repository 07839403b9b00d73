package dev.unitune.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which operand layouts may use the tensor-core GEMM's 16-byte loads (their preconditions, host-side). */
class GemmLayoutTest {
    static final int[] ALIGNED = {0, 1024}, MISALIGNED = {0, 1020};

    @Test
    void rowMajorBWithUnitNStride() {
        assertEquals(1, GemmOps.vectorLayoutOfB(96, 1, 136, 1, 136, 96, ALIGNED, ALIGNED));
        assertEquals(-1, GemmOps.vectorLayoutOfB(96, 1, 132, 1, 132, 96, ALIGNED, ALIGNED), "N % 8 != 0");
    }

    @Test
    void transposedBWithUnitKStride() {
        assertEquals(0, GemmOps.vectorLayoutOfB(96, 1, 1, 96, 136, 96, ALIGNED, ALIGNED));
    }

    @Test
    void anythingElseUsesElementLoads() {
        assertEquals(-1, GemmOps.vectorLayoutOfB(1, 96, 136, 1, 136, 96, ALIGNED, ALIGNED), "A transposed");
        assertEquals(-1, GemmOps.vectorLayoutOfB(100, 1, 136, 1, 136, 100, ALIGNED, ALIGNED), "K % 8 != 0");
        assertEquals(-1, GemmOps.vectorLayoutOfB(96, 1, 136, 1, 136, 96, MISALIGNED, ALIGNED), "a batch offset not 16-byte aligned");
        assertEquals(-1, GemmOps.vectorLayoutOfB(96, 1, 136, 2, 136, 96, ALIGNED, ALIGNED), "B strided in both dims");
    }
}
