package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class WinogradTest {
    static final double U = 0x1p-24;

    /** Input in [-1, 1), weights scaled by 1/sqrt(fan-in) like trained nets, so outputs are O(1). */
    static float[] weights(SplittableRandom rnd, int o, int c) {
        float[] wt = Naive.random(rnd, o * c * 9);
        float scale = (float) (1 / Math.sqrt(c * 9));
        for (int i = 0; i < wt.length; i++) wt[i] *= scale;
        return wt;
    }

    static double maxAbsError(double[] e, float[] got) {
        double max = 0;
        for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - e[i]));
        return max;
    }

    @Test
    void forwardMatchesDirectConvolutionOnOddSizesPaddingsAndChunks() {
        SplittableRandom rnd = new SplittableRandom(21);
        int[][] cases = { // n, c, h, w, o, pad
                {1, 16, 8, 8, 16, 1}, {2, 17, 9, 7, 19, 1}, {1, 16, 11, 13, 20, 0}, {1, 18, 5, 6, 16, 2}, {1, 16, 3, 3, 16, 0}};
        for (int[] k : cases) {
            int n = k[0], c = k[1], h = k[2], w = k[3], o = k[4], pad = k[5];
            Conv2dSpec s = Conv2dSpec.of(1, pad);
            float[] x = Naive.random(rnd, n * c * h * w), wt = weights(rnd, o, c), b = Naive.random(rnd, o);
            int oh = s.outH(h, 3), ow = s.outW(w, 3);
            double[] e = Naive.conv2d(x, n, c, h, w, wt, o, 3, 3, b, s);
            float[] u = Winograd.transformWeights(wt, o, c);
            for (int chunk : new int[] {1, 1 << 21}) { // 1: one tile row per chunk
                float[] out = new float[n * o * oh * ow];
                Winograd.forward(x, n, c, h, w, u, o, b, pad, pad, oh, ow, out, chunk);
                // Outputs are O(1): the golden tests' 1e-5 absolute tolerance must hold.
                assertTrue(maxAbsError(e, out) <= 1e-5, "case " + java.util.Arrays.toString(k) + " chunk " + chunk
                        + ": max error " + maxAbsError(e, out));
            }
            assertTrue(FastConv2d.useWinograd(c, o, 3, 3, s));
            assertArrayEquals(FastConv2d.forward(x, n, c, h, w, wt, o, 3, 3, b, s),
                    winograd(x, n, c, h, w, wt, o, b, pad), "FastConv2d takes the Winograd path");
        }
    }

    /**
     * The fused per-block form (small layers) against the direct convolution and against the layer-wide
     * form, which does the same operations in the same order: the bits must match exactly. Cases cover
     * runs of tiles crossing tile rows and B panels (tilesW 21, 5), a last block past the image's end,
     * two images, padding 0-2, odd output sizes, and c = 300 (two k slices, so M accumulates with beta 1).
     */
    @Test
    void fusedSmallLayerFormMatchesDirectConvolutionAndLayerWideBits() {
        SplittableRandom rnd = new SplittableRandom(27);
        int[][] cases = { // n, c, h, w, o, pad
                {1, 16, 8, 8, 16, 1}, {2, 17, 9, 41, 19, 1}, {1, 64, 13, 11, 20, 0}, {1, 300, 7, 6, 6, 1},
                {1, 16, 3, 3, 16, 2}, {2, 5, 4, 9, 7, 2}, {1, 64, 32, 32, 64, 1}};
        for (int[] k : cases) {
            int n = k[0], c = k[1], h = k[2], w = k[3], o = k[4], pad = k[5];
            Conv2dSpec s = Conv2dSpec.of(1, pad);
            int oh = s.outH(h, 3), ow = s.outW(w, 3);
            assertTrue(WinogradFused.applies(c, o), "case " + java.util.Arrays.toString(k) + " takes the fused form");
            float[] x = Naive.random(rnd, n * c * h * w), wt = weights(rnd, o, c), b = Naive.random(rnd, o);
            double[] e = Naive.conv2d(x, n, c, h, w, wt, o, 3, 3, b, s);
            float[] u = Winograd.transformWeights(wt, o, c);
            float[] fused = new float[n * o * oh * ow], layerWide = new float[n * o * oh * ow];
            WinogradFused.forward(x, n, c, h, w, u, o, b, pad, pad, oh, ow, fused);
            Winograd.forward(x, n, c, h, w, u, o, b, pad, pad, oh, ow, layerWide, 1 << 21);
            // Outputs are O(1): the golden tests' 1e-5 absolute tolerance must hold.
            assertTrue(maxAbsError(e, fused) <= 1e-5, "case " + java.util.Arrays.toString(k) + ": max error " + maxAbsError(e, fused));
            assertArrayEquals(layerWide, fused, "case " + java.util.Arrays.toString(k) + ": fused and layer-wide bits");
        }
        assertFalse(WinogradFused.applies(320, 320), "UNet-size layers keep the layer-wide form");
    }

    static float[] winograd(float[] x, int n, int c, int h, int w, float[] wt, int o, float[] b, int pad) {
        int oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
        float[] out = new float[n * o * oh * ow];
        Winograd.forward(x, n, c, h, w, Winograd.transformWeights(wt, o, c), o, b, pad, pad, oh, ow, out);
        return out;
    }

    /**
     * The transforms' extra roundings: measured error against the double reference stays within a small
     * multiple of im2col's on UNet-like channel counts, and under 1e-5 absolute on O(1) outputs.
     */
    @Test
    void errorStaysCloseToIm2colAndUnderGoldenTolerance() {
        SplittableRandom rnd = new SplittableRandom(22);
        int c = 320, o = 32, h = 16, w = 16;
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        float[] x = Naive.random(rnd, c * h * w), wt = weights(rnd, o, c);
        double[] e = Naive.conv2d(x, 1, c, h, w, wt, o, 3, 3, null, s);
        float[] win = winograd(x, 1, c, h, w, wt, o, null, 1);
        // The im2col path: the same convolution with a dilation-1 spec that Winograd does not take (groups path off):
        float[] col = new float[o * h * w];
        float[] colMatrix = new float[c * 9 * h * w];
        Im2col.im2col(x, 0, 0, c, h, w, 3, 3, s, w, 0, h, colMatrix);
        Sgemm.gemm(false, false, o, h * w, c * 9, wt, 0, c * 9, colMatrix, 0, h * w, 0f, col, 0, h * w);
        double errWin = maxAbsError(e, win), errCol = maxAbsError(e, col);
        System.out.printf("Winograd F(2x2,3x3) max abs error %.3g, im2col %.3g (c=%d)%n", errWin, errCol, c);
        assertTrue(errWin <= 1e-5, "Winograd error " + errWin);
        assertTrue(errWin <= 8 * errCol + 1e-7, "Winograd error " + errWin + " vs im2col " + errCol);
    }

    @Test
    void inputGradientThroughWinogradMatchesReference() {
        SplittableRandom rnd = new SplittableRandom(23);
        for (int pad : new int[] {0, 1, 2}) {
            int n = 2, c = 16, h = 9, w = 10, o = 18;
            Conv2dSpec s = Conv2dSpec.of(1, pad);
            int oh = s.outH(h, 3), ow = s.outW(w, 3);
            float[] go = Naive.random(rnd, n * o * oh * ow), wt = weights(rnd, o, c);
            double[] e = Naive.conv2dBackwardInput(go, n, c, h, w, wt, o, 3, 3, s);
            float[] got = FastConv2d.backwardInput(go, n, c, h, w, wt, o, 3, 3, s);
            assertTrue(maxAbsError(e, got) <= 1e-5, "pad " + pad + ": max error " + maxAbsError(e, got));
        }
    }

    @Test
    void weightGradientThroughWinogradMatchesReference() {
        SplittableRandom rnd = new SplittableRandom(25);
        int[][] cases = { // n, c, h, w, o, pad
                {2, 16, 9, 10, 18, 1}, {1, 17, 8, 8, 16, 0}, {1, 16, 7, 5, 19, 2}, {3, 16, 6, 6, 16, 1}};
        for (int[] k : cases) {
            int n = k[0], c = k[1], h = k[2], w = k[3], o = k[4], pad = k[5];
            Conv2dSpec s = Conv2dSpec.of(1, pad);
            int oh = s.outH(h, 3), ow = s.outW(w, 3);
            float[] go = Naive.random(rnd, n * o * oh * ow), x = Naive.random(rnd, n * c * h * w);
            double[] e = Naive.conv2dBackwardWeight(go, x, n, c, h, w, o, 3, 3, s);
            double[] bound = Naive.conv2dBackwardWeight(FastConv2dTest.abs(go), FastConv2dTest.abs(x), n, c, h, w, o, 3, 3, s);
            assertTrue(FastConv2d.useWinograd(c, o, 3, 3, s));
            float[] viaConv = FastConv2d.backwardWeight(go, x, n, c, h, w, o, 3, 3, s);
            float[] oneRowChunks = WinogradWeightGrad.weightGrad(go, x, n, c, h, w, o, pad, pad, oh, ow, 1);
            for (float[] got : new float[][] {viaConv, oneRowChunks}) {
                // Sum over n*oh*ow products; the transforms add a few roundings per term: 4x the plain bound.
                FastConv2dTest.assertClose(e, bound, got, 4 * (n * oh * ow + 2), "weight grad " + java.util.Arrays.toString(k));
            }
        }
    }

    @Test
    void weightGradientErrorStaysCloseToIm2col() {
        SplittableRandom rnd = new SplittableRandom(26);
        int n = 1, c = 32, h = 32, w = 32, o = 24;
        Conv2dSpec s = Conv2dSpec.of(1, 1);
        float[] go = Naive.random(rnd, n * o * h * w), x = Naive.random(rnd, n * c * h * w);
        for (int i = 0; i < go.length; i++) go[i] *= 1f / 32; // O(1) gradients: 1024 terms of size 1/32
        double[] e = Naive.conv2dBackwardWeight(go, x, n, c, h, w, o, 3, 3, s);
        float[] win = WinogradWeightGrad.weightGrad(go, x, n, c, h, w, o, 1, 1, h, w);
        // im2col reference path: dW = dY [O x P] * col^T
        float[] col = new float[c * 9 * h * w], viaCol = new float[o * c * 9];
        Im2col.im2col(x, 0, 0, c, h, w, 3, 3, s, w, 0, h, col);
        Sgemm.gemm(false, true, o, c * 9, h * w, go, 0, h * w, col, 0, h * w, 0f, viaCol, 0, c * 9);
        double errWin = maxAbsError(e, win), errCol = maxAbsError(e, viaCol);
        System.out.printf("Winograd weight-gradient max abs error %.3g, im2col %.3g%n", errWin, errCol);
        assertTrue(errWin <= 1e-5, "Winograd weight-gradient error " + errWin);
        assertTrue(errWin <= 8 * errCol + 1e-7, "Winograd " + errWin + " vs im2col " + errCol);
    }

    @Test
    void sameCallTwiceGivesIdenticalBits() {
        SplittableRandom rnd = new SplittableRandom(24);
        float[] x = Naive.random(rnd, 32 * 12 * 12), wt = weights(rnd, 32, 32);
        assertArrayEquals(winograd(x, 1, 32, 12, 12, wt, 32, null, 1), winograd(x, 1, 32, 12, 12, wt, 32, null, 1));
    }
}
