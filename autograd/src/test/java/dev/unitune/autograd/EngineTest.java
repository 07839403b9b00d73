package dev.unitune.autograd;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.unitune.autograd.TestTensors.*;
import static org.junit.jupiter.api.Assertions.*;

class EngineTest {
    private static Var leaf(double... v) { return Var.leaf(f64(v, v.length)); }

    @Test
    void gradientsAccumulateOverEveryUse() {
        Var x = leaf(1, 2, 3);
        // y = sum(x*x + 3x) -> dy/dx = 2x + 3
        Var y = F.sum(F.add(F.mul(x, x), F.mul(x, 3.0)));
        y.backward();
        assertArrayEquals(new double[]{5, 7, 9}, x.grad().toDoubleArray(), 0);
        // a second forward+backward adds to the existing gradient until zeroGrad
        F.sum(x).backward();
        assertArrayEquals(new double[]{6, 8, 10}, x.grad().toDoubleArray(), 0);
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void diamondGraphRunsEachNodeOnceWithSummedGradient() {
        Var x = leaf(2);
        Var a = F.mul(x, 3.0);          // 6
        Var b = F.mul(a, a);            // a^2
        Var c = F.add(a, b);            // a + a^2
        c.backward();
        // dc/dx = (1 + 2a) * 3 = 39
        assertEquals(39, x.grad().item(), 0);
    }

    @Test
    void noGradRecordsNothing() {
        Var x = leaf(1, 2);
        Var y;
        try (NoGrad ng = NoGrad.enter()) {
            y = F.mul(x, x);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.node());
        assertThrows(IllegalStateException.class, () -> F.sum(y).backward());
    }

    @Test
    void detachCutsTheGraph() {
        Var x = leaf(3);
        Var y = F.mul(F.mul(x, x).detach(), x); // d/dx = x^2 (detached factor is constant) = 9
        y.backward();
        assertEquals(9, x.grad().item(), 0);
    }

    @Test
    void frozenLeavesGetNoGradient() {
        Var w = leaf(2);
        Var x = leaf(5);
        w.setRequiresGrad(false);
        F.mul(w, x).backward();
        assertNull(w.grad());
        assertEquals(2, x.grad().item(), 0);
    }

    @Test
    void assigningAfterForwardIsRefusedAtBackward() {
        Var w = leaf(2);
        Var y = F.mul(w, w);
        w.assign(f64(new double[]{7}, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("assigned new data"), e.getMessage());
    }

    @Test
    void opResultsCannotBeAssignedOrUnfrozen() {
        Var y = F.mul(leaf(1), 2.0);
        assertThrows(IllegalStateException.class, () -> y.assign(f64(new double[]{1}, 1)));
        assertThrows(IllegalStateException.class, () -> y.setRequiresGrad(false));
    }

    @Test
    void graphIsReleasedAfterBackwardUnlessRetained() {
        Var x = leaf(1, 2);
        Var y = F.sum(F.exp(x));
        Node n = y.node();
        y.backward();
        assertTrue(n.isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("already freed"), e.getMessage());

        Var z = F.sum(F.exp(x));
        x.zeroGrad();
        Engine.backward(z, cpu().fill(DType.F64, 1, new int[0]), true);
        Engine.backward(z, cpu().fill(DType.F64, 1, new int[0]), false);
        double[] ex = {Math.exp(1), Math.exp(2)};
        assertArrayEquals(new double[]{2 * ex[0], 2 * ex[1]}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void nonScalarBackwardNeedsAnUpstreamGradient() {
        Var x = leaf(1, 2);
        Var y = F.mul(x, 2.0);
        assertThrows(IllegalArgumentException.class, y::backward);
        y.backward(f64(new double[]{1, 10}, 2));
        assertArrayEquals(new double[]{2, 20}, x.grad().toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> F.mul(x, 2.0).backward(f64(new double[]{1, 2, 3}, 3)));
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        Var x = leaf(1);
        Var y = x;
        for (int i = 0; i < 20_000; i++) y = F.add(y, 0.5);
        F.mul(y, 2.0).backward();
        assertEquals(2, x.grad().item(), 0);
    }

    @Test
    void unusedBranchesAndIntegerInputsAreHandled() {
        Var x = leaf(1, 2, 3);
        Var y = F.sum(F.gather(x, 0, i64(new long[]{2, 2}, 2)));
        y.backward();
        assertArrayEquals(new double[]{0, 0, 2}, x.grad().toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> Var.leaf(i64(new long[]{1}, 1)));
    }

    @Test
    void gradientsFollowTheLeafDtype() {
        Tensor t = randF32(new Random(1), -1, 1, 4);
        Var x = Var.leaf(t);
        F.sum(F.cast(F.mul(F.cast(x, DType.F64), 2.0), DType.F32)).backward();
        assertEquals(DType.F32, x.grad().dtype());
        assertArrayEquals(new float[]{2, 2, 2, 2}, x.grad().toFloatArray(), 0);
    }

    @Test
    void customOpsRecordThroughFromOp() {
        Var x = leaf(1, 2);
        // a user-defined op: y = 3x with backward 3g
        Var y = Var.fromOp("triple", cpu().binaryScalar(dev.unitune.tensor.BinaryOp.MUL, x.tensor(), 3),
                g -> new Tensor[]{g.backend().binaryScalar(dev.unitune.tensor.BinaryOp.MUL, g, 3)}, x);
        F.sum(y).backward();
        assertArrayEquals(new double[]{3, 3}, x.grad().toDoubleArray(), 0);
        assertEquals("triple", y.node().op());
    }
}
