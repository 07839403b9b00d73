package dev.unitune.autograd.nn;

import dev.unitune.autograd.TestTensors;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Loss values against direct loops (double precision; 1e-12 allows for summation order). */
class LossesTest {
    @Test
    void gramIsNormalisedByCHW() {
        int b = 2, c = 3, h = 4, w = 5;
        Tensor x = TestTensors.randF64(new Random(1), -1, 1, b, c, h, w);
        double[] v = x.toDoubleArray();
        double[] g = Losses.gram(Var.constant(x)).tensor().toDoubleArray();
        for (int n = 0; n < b; n++)
            for (int i = 0; i < c; i++)
                for (int j = 0; j < c; j++) {
                    double s = 0;
                    for (int k = 0; k < h * w; k++) s += v[(n * c + i) * h * w + k] * v[(n * c + j) * h * w + k];
                    assertEquals(s / (c * h * w), g[(n * c + i) * c + j], 1e-12);
                }
    }

    @Test
    void mseL1AndCrossEntropyValues() {
        Tensor p = TestTensors.f64(new double[]{1, 2, 3, 4}, 2, 2), t = TestTensors.f64(new double[]{0, 2, 5, 3}, 2, 2);
        assertEquals((1 + 0 + 4 + 1) / 4.0, Losses.mse(Var.constant(p), Var.constant(t)).item(), 1e-15);
        assertEquals((1 + 0 + 2 + 1) / 4.0, Losses.l1(Var.constant(p), Var.constant(t)).item(), 1e-15);
        double[] logits = {1, 2, 3, 0.5, -1, 0};
        double ce = 0;
        long[] y = {2, 0};
        for (int n = 0; n < 2; n++) {
            double m = 0;
            for (int k = 0; k < 3; k++) m += Math.exp(logits[n * 3 + k]);
            ce += Math.log(m) - logits[n * 3 + (int) y[n]];
        }
        assertEquals(ce / 2, Losses.crossEntropy(Var.constant(TestTensors.f64(logits, 2, 3)), TestTensors.i64(y, 2)).item(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Losses.mse(Var.constant(p), Var.constant(TestTensors.f64(new double[2], 2))));
    }
}
