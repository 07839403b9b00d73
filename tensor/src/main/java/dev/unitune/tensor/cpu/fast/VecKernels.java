package dev.unitune.tensor.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise softmax, log-softmax and normalisation over contiguous rows of {@code cols} floats.
 * Every sum runs in a fixed order (vector lanes, then lanes summed in lane order), so the same call
 * gives the same bits every time, interpreted or compiled. Rows are split over the shared pool.
 * x and y may be the same array at the same offset (in-place).
 */
public final class VecKernels {
    private VecKernels() {}

    private static final VectorSpecies<Float> S = FastMath.SPECIES;
    private static final int L = S.length();
    /** Rows per parallel part: a part should be worth a thread hand-off (~64k elements). */
    private static final int ELEMENTS_PER_PART = 1 << 16;

    public static void softmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        checkRows("softmaxRows", x, xOff, y, yOff, rows, cols);
        forRows(rows, cols, (r0, r1) -> {
            float[] scratch = new float[L];
            for (int r = r0; r < r1; r++) softmaxRow(x, xOff + r * cols, y, yOff + r * cols, cols, false, scratch);
        });
    }

    public static void logSoftmaxRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        checkRows("logSoftmaxRows", x, xOff, y, yOff, rows, cols);
        forRows(rows, cols, (r0, r1) -> {
            float[] scratch = new float[L];
            for (int r = r0; r < r1; r++) softmaxRow(x, xOff + r * cols, y, yOff + r * cols, cols, true, scratch);
        });
    }

    /**
     * y = (x - mean) * rstd per row, with mean and rstd = 1/sqrt(biased variance + eps) written to
     * mean[row], rstd[row] when those arrays are non-null. Statistics in double, two passes: the second
     * sums squared deviations from the float mean and corrects for that mean's rounding, so nearly
     * constant rows keep their precision.
     */
    public static void normalizeRows(float[] x, int xOff, float[] y, int yOff, int rows, int cols, double eps,
                                     float[] mean, float[] rstd) {
        checkRows("normalizeRows", x, xOff, y, yOff, rows, cols);
        if (cols == 0 && rows > 0) throw new IllegalArgumentException("normalizeRows: rows of 0 columns have no mean");
        if (!(eps >= 0)) throw new IllegalArgumentException("normalizeRows: eps must be >= 0, got " + eps);
        if (mean != null && mean.length < rows) throw new IllegalArgumentException("normalizeRows: mean has " + mean.length + " < " + rows + " rows");
        if (rstd != null && rstd.length < rows) throw new IllegalArgumentException("normalizeRows: rstd has " + rstd.length + " < " + rows + " rows");
        forRows(rows, cols, (r0, r1) -> {
            float[] scratch = new float[L];
            for (int r = r0; r < r1; r++) {
                int xo = xOff + r * cols, yo = yOff + r * cols;
                double mu = sum(x, xo, cols, scratch) / cols;
                float muF = (float) mu;
                // Deviations from the float mean; the mean of d corrects for muF != mu.
                double[] dev = sumDeviations(x, xo, cols, muF, scratch);
                double dMean = dev[0] / cols;
                double var = Math.max(dev[1] / cols - dMean * dMean, 0.0);
                double rs = 1.0 / Math.sqrt(var + eps);
                float rsF = (float) rs;
                float muExact = (float) (muF + dMean);
                scale(x, xo, y, yo, cols, muExact, rsF);
                if (mean != null) mean[r] = muExact;
                if (rstd != null) rstd[r] = rsF;
            }
        });
    }

    // ---- rows ------------------------------------------------------------------------------------------

    private static void softmaxRow(float[] x, int xo, float[] y, int yo, int cols, boolean log, float[] scratch) {
        if (cols == 0) return;
        int i = 0, bound = S.loopBound(cols);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) vmax = vmax.max(FloatVector.fromArray(S, x, xo + i));
        float max = vmax.reduceLanes(VectorOperators.MAX); // max is exact, order cannot matter
        for (; i < cols; i++) max = Math.max(max, x[xo + i]);
        if (max == Float.NEGATIVE_INFINITY) max = 0f; // a fully masked row: exp(-inf) = 0 everywhere, sum 0
        // exp(x - max), summed per lane, then lanes in order.
        FloatVector vsum = FloatVector.zero(S);
        i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FastMath.exp(FloatVector.fromArray(S, x, xo + i).sub(max));
            if (!log) e.intoArray(y, yo + i);
            vsum = vsum.add(e);
        }
        double sum = FastMath.sumLanes(vsum, scratch);
        for (; i < cols; i++) {
            float e = FastMath.exp(x[xo + i] - max);
            if (!log) y[yo + i] = e;
            sum += e;
        }
        i = 0;
        if (log) {
            float shift = (float) (max + StrictMath.log(sum)); // StrictMath: same bits everywhere
            for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sub(shift).intoArray(y, yo + i);
            for (; i < cols; i++) y[yo + i] = x[xo + i] - shift;
        } else {
            float inv = (float) (1.0 / sum);
            for (; i < bound; i += L) FloatVector.fromArray(S, y, yo + i).mul(inv).intoArray(y, yo + i);
            for (; i < cols; i++) y[yo + i] *= inv;
        }
    }

    /** Sum of x[o .. o+n) in double: float lane sums over chunks of 8 vectors, chunks added in double. */
    private static double sum(float[] x, int o, int n, float[] scratch) {
        double total = 0;
        int i = 0, bound = S.loopBound(n);
        int chunk = 8 * L;
        while (i < bound) {
            int end = Math.min(bound, i + chunk);
            FloatVector acc = FloatVector.zero(S);
            for (; i < end; i += L) acc = acc.add(FloatVector.fromArray(S, x, o + i));
            total += FastMath.sumLanes(acc, scratch);
        }
        for (; i < n; i++) total += x[o + i];
        return total;
    }

    /** {sum(d), sum(d^2)} with d = x - mu, accumulated like {@link #sum}. */
    private static double[] sumDeviations(float[] x, int o, int n, float mu, float[] scratch) {
        double s1 = 0, s2 = 0;
        int i = 0, bound = S.loopBound(n);
        int chunk = 8 * L;
        while (i < bound) {
            int end = Math.min(bound, i + chunk);
            FloatVector a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, o + i).sub(mu);
                a1 = a1.add(d);
                a2 = d.fma(d, a2);
            }
            s1 += FastMath.sumLanes(a1, scratch);
            s2 += FastMath.sumLanes(a2, scratch);
        }
        for (; i < n; i++) {
            double d = x[o + i] - mu;
            s1 += d;
            s2 += d * d;
        }
        return new double[] {s1, s2};
    }

    private static void scale(float[] x, int xo, float[] y, int yo, int n, float mu, float rs) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sub(mu).mul(rs).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = (x[xo + i] - mu) * rs;
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    interface RowRange { void run(int r0, int r1); }

    private static void forRows(int rows, int cols, RowRange body) {
        long total = (long) rows * Math.max(cols, 1);
        int parts = (int) Math.min(Math.min(rows, Threads.count() * 4L), Math.max(1, total / ELEMENTS_PER_PART));
        if (parts <= 1) { body.run(0, rows); return; }
        Threads.parallelFor(parts, p -> body.run((int) ((long) rows * p / parts), (int) ((long) rows * (p + 1) / parts)));
    }

    private static void checkRows(String op, float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException(op + ": negative shape rows=" + rows + " cols=" + cols);
        long n = (long) rows * cols;
        if (xOff < 0 || xOff + n > x.length)
            throw new IllegalArgumentException(op + ": input [" + rows + " x " + cols + "] at offset " + xOff + " exceeds array length " + x.length);
        if (yOff < 0 || yOff + n > y.length)
            throw new IllegalArgumentException(op + ": output [" + rows + " x " + cols + "] at offset " + yOff + " exceeds array length " + y.length);
    }
}
