package dev.unitune.tensor.cpu.fast;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class VecKernelsTest {
    static final double U = 0x1p-24;

    @Test
    void expIsAccurateToAFewUlpAndScalarEqualsVector() {
        float[] xs = new float[4096];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextDouble() * 170 - 87);
        xs[0] = 0f; xs[1] = -87f; xs[2] = 88f; xs[3] = 1e-8f;
        float[] vec = new float[xs.length];
        int l = FastMath.SPECIES.length();
        for (int i = 0; i < xs.length; i += l)
            FastMath.exp(jdk.incubator.vector.FloatVector.fromArray(FastMath.SPECIES, xs, i)).intoArray(vec, i);
        for (int i = 0; i < xs.length; i++) {
            float s = FastMath.exp(xs[i]);
            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(vec[i]), "scalar vs vector at x=" + xs[i]);
            double e = Math.exp(xs[i]);
            // Cephes expf: polynomial error ~1 ulp plus rounding of r and the final products: allow 4 ulp.
            assertEquals(e, s, 4 * U * 2 * e, "exp(" + xs[i] + ")");
        }
        assertEquals(0f, FastMath.exp(-200f), 1e-37f);
        assertTrue(Float.isNaN(FastMath.exp(Float.NaN)));
    }

    @Test
    void softmaxAndLogSoftmaxMatchDouble() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int cols : new int[] {1, 3, 8, 17, 64, 100, 1031}) {
            int rows = 5;
            float[] x = new float[rows * cols + 3];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 4);
            float[] y = new float[rows * cols + 1], ly = new float[rows * cols + 1];
            VecKernels.softmaxRows(x, 3, y, 1, rows, cols);
            VecKernels.logSoftmaxRows(x, 3, ly, 1, rows, cols);
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < cols; j++) max = Math.max(max, x[3 + r * cols + j]);
                for (int j = 0; j < cols; j++) sum += Math.exp(x[3 + r * cols + j] - max);
                for (int j = 0; j < cols; j++) {
                    double z = x[3 + r * cols + j] - max;
                    double e = Math.exp(z) / sum;
                    // exp ~4 ulp, the float sum of cols terms (cols u relative), one multiply: relative bound.
                    assertEquals(e, y[1 + r * cols + j], (8 + cols) * U * e + 1e-38, "softmax cols=" + cols);
                    double le = z - Math.log(sum);
                    // x - shift: one rounding of the float shift (|max|+log sum) plus the subtraction.
                    double lt = 4 * U * (Math.abs(max) + Math.abs(Math.log(sum)) + Math.abs(le)) + (cols + 4) * U;
                    assertEquals(le, ly[1 + r * cols + j], lt, "logSoftmax cols=" + cols);
                }
            }
        }
    }

    @Test
    void softmaxHandlesLargeValuesAndFullyMaskedRows() {
        float[] x = {1000f, 1000f, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] y = new float[6];
        VecKernels.softmaxRows(x, 0, y, 0, 2, 3);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, java.util.Arrays.copyOf(y, 3));
        for (int j = 3; j < 6; j++) assertTrue(Float.isNaN(y[j]), "fully masked row is 0/0 like PyTorch");
    }

    @Test
    void normalizeRowsKeepsPrecisionOnNearlyConstantRows() {
        int cols = 4099;
        float[] x = new float[2 * cols];
        SplittableRandom rnd = new SplittableRandom(4);
        for (int j = 0; j < cols; j++) x[j] = 1000f + (float) (rnd.nextGaussian() * 1e-3);   // offset >> spread
        for (int j = 0; j < cols; j++) x[cols + j] = (float) rnd.nextGaussian();
        float[] y = new float[2 * cols], mean = new float[2], rstd = new float[2];
        VecKernels.normalizeRows(x, 0, y, 0, 2, cols, 1e-12, mean, rstd);
        for (int r = 0; r < 2; r++) {
            double mu = 0, var = 0;
            for (int j = 0; j < cols; j++) mu += x[r * cols + j];
            mu /= cols;
            for (int j = 0; j < cols; j++) var += (x[r * cols + j] - mu) * (x[r * cols + j] - mu);
            var /= cols;
            double rs = 1 / Math.sqrt(var + 1e-12);
            assertEquals(mu, mean[r], 2 * U * Math.abs(mu));
            assertEquals(rs, rstd[r], 1e-5 * rs, "rstd of row " + r); // float rounding of rstd plus stats error
            for (int j = 0; j < cols; j++) {
                double e = (x[r * cols + j] - mu) * rs;
                // y = (x - mean_f) * rstd_f: mean_f is off by <= u|mu|, scaled by rstd; plus two roundings.
                double tol = 2 * U * Math.abs(mu) * rs + 4 * U * Math.abs(e) + 1e-6;
                assertEquals(e, y[r * cols + j], tol, "row " + r + " col " + j);
            }
        }
    }

    @Test
    void sameCallTwiceGivesIdenticalBits() {
        SplittableRandom rnd = new SplittableRandom(9);
        int rows = 64, cols = 1027;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] a = new float[x.length], b = new float[x.length];
        VecKernels.softmaxRows(x, 0, a, 0, rows, cols);
        VecKernels.softmaxRows(x, 0, b, 0, rows, cols);
        assertArrayEquals(a, b);
        VecKernels.normalizeRows(x, 0, a, 0, rows, cols, 1e-5, null, null);
        VecKernels.normalizeRows(x, 0, b, 0, rows, cols, 1e-5, null, null);
        assertArrayEquals(a, b);
    }

    @Test
    void rejectsBadShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> VecKernels.softmaxRows(new float[5], 0, new float[6], 0, 2, 3));
        assertTrue(e.getMessage().contains("input"), e.getMessage());
    }
}
