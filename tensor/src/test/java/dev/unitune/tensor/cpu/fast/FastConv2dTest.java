package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class FastConv2dTest {
    static final double U = 0x1p-24;

    /** One conv case: input [n,c,h,w], weight [o, c/groups, kh, kw]. */
    record Case(int n, int c, int h, int w, int o, int kh, int kw, Conv2dSpec s) {}

    static final Case[] CASES = {
            new Case(1, 3, 7, 9, 5, 3, 3, Conv2dSpec.of(1, 1)),
            new Case(2, 4, 8, 8, 6, 3, 3, Conv2dSpec.of(1, 1)),
            new Case(1, 8, 13, 11, 4, 3, 3, Conv2dSpec.of(2, 1)),
            new Case(2, 3, 9, 10, 2, 1, 1, Conv2dSpec.of(1, 0)),
            new Case(1, 5, 12, 12, 7, 3, 3, Conv2dSpec.of(1, 2, 2, 1)),
            new Case(1, 6, 9, 9, 4, 3, 3, Conv2dSpec.of(1, 1, 1, 2)),
            new Case(2, 4, 7, 8, 4, 3, 3, Conv2dSpec.of(1, 1, 1, 4)),          // depthwise
            new Case(1, 3, 10, 7, 3, 5, 3, new Conv2dSpec(2, 1, 0, 2, 1, 2, 1)), // asymmetric everything
            new Case(1, 4, 9, 9, 8, 3, 3, new Conv2dSpec(2, 2, 0, 0, 1, 1, 1)), // VAE-style stride-2 no pad
            new Case(1, 16, 6, 6, 16, 3, 3, Conv2dSpec.of(1, 1)),
    };

    /** Tolerance for a float sum of `terms` products: (terms + 2) u sum|products| (worst case) + tiny. */
    static void assertClose(double[] expected, double[] absBound, float[] got, int terms, String what) {
        assertEquals(expected.length, got.length, what + ": length");
        for (int i = 0; i < got.length; i++) {
            double tol = (terms + 2) * U * absBound[i] + 1e-30;
            if (!(Math.abs(got[i] - expected[i]) <= tol))
                fail(what + ": element " + i + " = " + got[i] + ", expected " + expected[i] + " (tol " + tol + ")");
        }
    }

    static float[] abs(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.abs(a[i]);
        return r;
    }

    @Test
    void forwardMatchesDirectDoubleConvolution() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (Case k : CASES) {
            int cg = k.c / k.s.groups();
            float[] x = Naive.random(rnd, k.n * k.c * k.h * k.w), wt = Naive.random(rnd, k.o * cg * k.kh * k.kw), b = Naive.random(rnd, k.o);
            float[] got = FastConv2d.forward(x, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, b, k.s);
            double[] e = Naive.conv2d(x, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, b, k.s);
            double[] bound = Naive.conv2d(abs(x), k.n, k.c, k.h, k.w, abs(wt), k.o, k.kh, k.kw, abs(b), k.s);
            // Winograd transforms add a few more roundings per term; see WinogradTest for its measured bound.
            assertClose(e, bound, got, 4 * (cg * k.kh * k.kw + 1), "forward " + k);
            float[] noBias = FastConv2d.forward(x, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, null, k.s);
            double[] e0 = Naive.conv2d(x, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, null, k.s);
            assertClose(e0, bound, noBias, 4 * (cg * k.kh * k.kw + 1), "forward without bias " + k);
        }
    }

    @Test
    void backwardInputMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (Case k : CASES) {
            int cg = k.c / k.s.groups(), oh = k.s.outH(k.h, k.kh), ow = k.s.outW(k.w, k.kw);
            float[] go = Naive.random(rnd, k.n * k.o * oh * ow), wt = Naive.random(rnd, k.o * cg * k.kh * k.kw);
            float[] got = FastConv2d.backwardInput(go, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, k.s);
            double[] e = Naive.conv2dBackwardInput(go, k.n, k.c, k.h, k.w, wt, k.o, k.kh, k.kw, k.s);
            double[] bound = Naive.conv2dBackwardInput(abs(go), k.n, k.c, k.h, k.w, abs(wt), k.o, k.kh, k.kw, k.s);
            int og = k.o / k.s.groups();
            assertClose(e, bound, got, 2 * (og * k.kh * k.kw + 1), "backwardInput " + k);
        }
    }

    @Test
    void backwardWeightMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (Case k : CASES) {
            int oh = k.s.outH(k.h, k.kh), ow = k.s.outW(k.w, k.kw);
            float[] go = Naive.random(rnd, k.n * k.o * oh * ow), x = Naive.random(rnd, k.n * k.c * k.h * k.w);
            float[] got = FastConv2d.backwardWeight(go, x, k.n, k.c, k.h, k.w, k.o, k.kh, k.kw, k.s);
            double[] e = Naive.conv2dBackwardWeight(go, x, k.n, k.c, k.h, k.w, k.o, k.kh, k.kw, k.s);
            double[] bound = Naive.conv2dBackwardWeight(abs(go), abs(x), k.n, k.c, k.h, k.w, k.o, k.kh, k.kw, k.s);
            assertClose(e, bound, got, 2 * (k.n * oh * ow + 1), "backwardWeight " + k);
        }
    }

    @Test
    void sameCallTwiceGivesIdenticalBits() {
        SplittableRandom rnd = new SplittableRandom(10);
        float[] x = Naive.random(rnd, 2 * 32 * 20 * 20), wt = Naive.random(rnd, 48 * 32 * 9);
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        float[] a = FastConv2d.forward(x, 2, 32, 20, 20, wt, 48, 3, 3, null, s);
        float[] b = FastConv2d.forward(x, 2, 32, 20, 20, wt, 48, 3, 3, null, s);
        assertArrayEquals(a, b);
    }

    @Test
    void rejectsBadShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> FastConv2d.forward(new float[10], 1, 3, 2, 2, new float[27], 1, 3, 3, null, Conv2dSpec.of(1, 0)));
        assertTrue(e.getMessage().contains("larger than the padded input"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FastConv2d.forward(new float[10], 1, 3, 4, 4, new float[27], 1, 3, 3, null, Conv2dSpec.of(1, 1)));
        assertTrue(e.getMessage().contains("input has 10 elements"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FastConv2d.forward(new float[48], 1, 3, 4, 4, new float[27], 2, 3, 3, null, Conv2dSpec.of(1, 1, 1, 2)));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
    }
}
