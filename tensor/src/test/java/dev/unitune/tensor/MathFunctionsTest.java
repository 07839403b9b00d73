package dev.unitune.tensor;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MathFunctionsTest {
    @Test
    void erfMatchesCommonsMath() {
        for (double x = -7; x <= 7; x += 0.001) {
            double want = Erf.erf(x), got = MathFunctions.erf(x);
            // Commons Math's erf is accurate to ~1e-15 relative; allow a few double ulp on both sides.
            assertEquals(want, got, 4e-15 * Math.max(Math.abs(want), 1e-300) + 1e-300, "erf(" + x + ")");
        }
        assertEquals(0.0, MathFunctions.erf(0.0));
        assertTrue(Double.isNaN(MathFunctions.erf(Double.NaN)));
        assertEquals(1.0, MathFunctions.erf(Double.POSITIVE_INFINITY));
    }

    @Test
    void activationsMatchPyTorchValues() {
        // torch.nn.functional.gelu(torch.tensor(1.0, dtype=torch.float64)) etc.
        assertEquals(0.8413447460685429, MathFunctions.gelu(1.0), 1e-15);
        assertEquals(0.8411919906082768, MathFunctions.geluTanh(1.0), 1e-15);
        assertEquals(1.0 / (1 + Math.exp(-1.702)), MathFunctions.quickGelu(1.0), 1e-15);
        assertEquals(-0.15865525393145707, MathFunctions.gelu(-1.0), 1e-15); // -Phi(-1)
        assertEquals(-0.15880800939172324, MathFunctions.geluTanh(-1.0), 1e-15);
    }
}
