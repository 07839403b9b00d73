package dev.unitune.model.vgg;

import dev.unitune.autograd.Generator;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The feature losses are zero on equal images and have the gradient central differences give (in double). */
class VggLossesTest {
    private static final VggConfig TINY = new VggConfig(List.of(4, 4, "M", 6, 6, "M"));
    private static final List<String> TAPS = List.of("relu1_2", "relu2_2");

    private static VggFeatures tinyF64() {
        try (InitContext ctx = InitContext.open(Backends.cpu(), DType.F64, new Generator(11), true)) {
            return VggFeatures.forTaps(TINY, TAPS);
        }
    }

    private static Tensor image(long seed) { return Backends.cpu().uniform(DType.F64, seed, 0, 0, 1, 1, 3, 8, 8); }

    @Test
    void zeroOnEqualImagesPositiveOtherwise() {
        VggFeatures vgg = tinyF64();
        Tensor a = image(1), b = image(2);
        assertEquals(0, VggLosses.perceptual(vgg, Var.constant(a), Var.constant(a), TAPS).item(), 0);
        assertEquals(0, VggLosses.style(vgg, Var.constant(a), Var.constant(a), TAPS).item(), 0);
        assertTrue(VggLosses.perceptual(vgg, Var.constant(a), Var.constant(b), TAPS).item() > 0);
        assertTrue(VggLosses.style(vgg, Var.constant(a), Var.constant(b), TAPS).item() > 0);
    }

    @Test
    void gradientsMatchCentralDifferencesInDouble() {
        VggFeatures vgg = tinyF64();
        Tensor a = image(3), b = image(4);
        for (boolean style : new boolean[]{false, true}) {
            Var x = Var.leaf(a);
            Var loss = style ? VggLosses.style(vgg, x, Var.constant(b), TAPS) : VggLosses.perceptual(vgg, x, Var.constant(b), TAPS);
            loss.backward();
            double[] grad = x.grad().toDoubleArray(), base = a.toDoubleArray();
            double eps = 1e-6, largest = 0;
            java.util.List<double[]> pairs = new java.util.ArrayList<>(); // {index, numeric, analytic}
            for (int i = 0; i < base.length; i += 17) { // a spread of pixels and channels
                double[] plus = base.clone(), minus = base.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double numeric = (value(vgg, plus, b, style) - value(vgg, minus, b, style)) / (2 * eps);
                pairs.add(new double[]{i, numeric, grad[i]});
                largest = Math.max(largest, Math.abs(numeric));
            }
            // The losses are means over many small terms, so gradients are ~1e-6: compare relative to their
            // scale. In double, central differences err by ~eps^2 f''' plus 1e-16 |L| / eps, both far below
            // 1e-4 of the largest gradient; a wrong backward is off by O(1) of it.
            assertTrue(largest > 1e-9, "gradient too small to check: " + largest);
            int nonzero = 0;
            for (double[] p : pairs) {
                assertEquals(p[1], p[2], 1e-4 * largest + 1e-3 * Math.abs(p[1]), (style ? "style" : "perceptual") + " pixel " + (int) p[0]);
                if (Math.abs(p[1]) > 1e-3 * largest) nonzero++;
            }
            assertTrue(nonzero >= pairs.size() / 2, "most checked pixels must have a gradient: " + nonzero + " of " + pairs.size());
        }
    }

    private static double value(VggFeatures vgg, double[] img, Tensor target, boolean style) {
        Var x = Var.constant(Backends.cpu().fromHost(img, DType.F64, 1, 3, 8, 8));
        return (style ? VggLosses.style(vgg, x, Var.constant(target), TAPS) : VggLosses.perceptual(vgg, x, Var.constant(target), TAPS)).item();
    }
}
