package dev.unitune.tensor.testing;

import dev.unitune.tensor.DType;

/**
 * How close a backend's result must be to the double-precision reference: |actual - expected| <= atol +
 * rtol * |expected| + gamma(K) * magnitude, per element.
 *
 * <p>(rtol, atol) are torch.testing.assert_close's defaults per dtype: f16 (1e-3, 1e-5), bf16 (1.6e-2, 1e-5),
 * f32 (1.3e-6, 1e-5), f64 (1e-7, 1e-7). They cover one or a few roundings of the result.
 *
 * <p>Ops that accumulate K terms (sums, matmul, conv, norms, softmax denominators) add the classical bound
 * for floating-point summation (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1):
 * |fl(sum) - sum| <= gamma_K * sum |terms| with gamma_K = K u / (1 - K u), u = the unit roundoff of the
 * accumulation type (2^-24 for f32, f16 and bf16, which accumulate in f32; 2^-53 for f64). The op case passes
 * K and the per-element magnitude sum |terms|. This is a worst-case bound, so a correct kernel with any
 * summation order (blocked, tree, vector lanes) passes, while an indexing bug (an O(1) error) does not.
 */
public record Tolerance(double rtol, double atol, double unitRoundoff) {
    public static Tolerance of(DType dt) {
        return switch (dt) {
            case F16 -> new Tolerance(1e-3, 1e-5, 0x1p-24);
            case BF16 -> new Tolerance(1.6e-2, 1e-5, 0x1p-24);
            case F32 -> new Tolerance(1.3e-6, 1e-5, 0x1p-24);
            case F64 -> new Tolerance(1e-7, 1e-7, 0x1p-53);
            default -> new Tolerance(0, 0, 0); // integers: exact
        };
    }

    /** gamma_K for this accumulation type. */
    public double gamma(long k) {
        double ku = k * unitRoundoff;
        return ku >= 0.5 ? Double.POSITIVE_INFINITY : ku / (1 - ku);
    }

    public double allowed(double expected, double magnitude, long k) {
        return atol + rtol * Math.abs(expected) + gamma(k) * Math.abs(magnitude);
    }

    /** Elementwise check without an accumulation term. */
    public void assertClose(String what, double[] actual, double[] expected) { assertClose(what, actual, expected, null, 0); }

    /**
     * Throws an AssertionError naming the worst element, the number of mismatches and the allowance. NaN
     * must meet NaN, and infinities must match exactly.
     */
    public void assertClose(String what, double[] actual, double[] expected, double[] magnitude, long k) {
        if (actual.length != expected.length)
            throw new AssertionError(what + ": " + actual.length + " elements, expected " + expected.length);
        int bad = 0, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i], e = expected[i];
            if (Double.isNaN(e) || Double.isNaN(a)) {
                if (Double.isNaN(e) != Double.isNaN(a)) { bad++; if (worst < 0 || worstRatio < Double.MAX_VALUE) { worst = i; worstRatio = Double.MAX_VALUE; } }
                continue;
            }
            if (Double.isInfinite(e) || Double.isInfinite(a)) {
                if (a != e) { bad++; worst = i; worstRatio = Double.MAX_VALUE; }
                continue;
            }
            double allow = allowed(e, magnitude == null ? 0 : magnitude[i], k);
            double err = Math.abs(a - e);
            if (err > allow) {
                bad++;
                double ratio = err / allow;
                if (ratio > worstRatio || worst < 0) { worstRatio = ratio; worst = i; }
            }
        }
        if (bad > 0) {
            double e = expected[worst];
            throw new AssertionError(String.format("%s: %d of %d elements out of tolerance; worst at flat index %d: got %s, expected %s, "
                            + "|diff| %.3g > allowed %.3g (rtol %.2g, atol %.2g, K %d, magnitude %.3g)", what, bad, actual.length, worst,
                    actual[worst], e, Math.abs(actual[worst] - e), allowed(e, magnitude == null ? 0 : magnitude[worst], k), rtol, atol, k,
                    magnitude == null ? 0 : magnitude[worst]));
        }
    }
}
