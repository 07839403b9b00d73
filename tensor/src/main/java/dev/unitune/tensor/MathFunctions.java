package dev.unitune.tensor;

/**
 * Scalar special functions the JDK lacks, accurate to a few ulp in double, so the F64 engine (gradient
 * checks) and the float kernels share one definition: erf, and the activations built on it.
 */
public final class MathFunctions {
    private MathFunctions() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double INV_SQRT_PI = 0.5641895835477563;

    /**
     * erf(x). For |x| < 2.5 the series erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)),
     * whose terms are all positive (no cancellation); beyond, 1 - erfc(x) with erfc from its continued
     * fraction (modified Lentz), which converges fast there and whose error is far below erf's ulp.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 0; n < 200; n++) {
                term *= 2 * x2 / (2 * n + 3);
                sum += term;
                if (term < sum * 1e-17) break;
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else if (ax < 6.5) {
            r = 1.0 - erfcLarge(ax);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    /** erfc(x) for x >= 2.5: exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))). */
    private static double erfcLarge(double x) {
        // Lentz's algorithm for f = x + K(a_n / x) with a_n = n/2.
        double tiny = 1e-300, f = x, c = x, d = 0;
        for (int n = 1; n < 300; n++) {
            double an = n * 0.5;
            d = x + an * d;
            if (d == 0) d = tiny;
            c = x + an / c;
            if (c == 0) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) * INV_SQRT_PI / f;
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }

    /** Exact GELU, PyTorch's default: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
    public static double gelu(double x) { return 0.5 * x * (1.0 + erf(x * 0.7071067811865476)); }

    /** PyTorch's approximate='tanh' GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static double geluTanh(double x) {
        return 0.5 * x * (1.0 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    }

    /** OpenAI CLIP's QuickGELU: x * sigmoid(1.702 x). */
    public static double quickGelu(double x) { return x * sigmoid(1.702 * x); }
}
