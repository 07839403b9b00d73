package dev.unitune.tensor.cpu;

import dev.unitune.tensor.UnaryOp;
import dev.unitune.tensor.cpu.fast.FastMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 activations on Vector API lanes, built on {@link FastMath#exp(FloatVector)} (1-2 ulp). The last
 * partial vector runs masked, so every element takes the same operations wherever it sits: results do not
 * depend on alignment or on the thread split. Accuracy (relative, all inputs): exp, sigmoid, SiLU,
 * QuickGELU and tanh-GELU within a few float ulp; exact GELU within ~2e-7 (erfc approximation below).
 */
final class VectorActivations {
    private VectorActivations() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Whether op has a vector kernel here. */
    static boolean supports(UnaryOp op) {
        return switch (op) {
            case EXP, SIGMOID, SILU, QUICK_GELU, GELU, GELU_TANH -> true;
            default -> false;
        };
    }

    static void apply(UnaryOp op, float[] in, float[] out, int start, int end) {
        for (int i = start; i < end; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, end);
            FloatVector x = FloatVector.fromArray(S, in, i, m);
            FloatVector y = switch (op) {
                case EXP -> FastMath.exp(x);
                case SIGMOID -> sigmoid(x);
                case SILU -> x.mul(sigmoid(x));
                case QUICK_GELU -> x.mul(sigmoid(x.mul(1.702f)));
                case GELU_TANH -> geluTanh(x);
                case GELU -> gelu(x);
                default -> throw new IllegalArgumentException("no vector kernel for " + op);
            };
            y.intoArray(out, i, m);
        }
    }

    /** 1 / (1 + exp(-x)); exp(-x) overflowing to a huge value gives 0, as it should. */
    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(FastMath.exp(x.neg()).add(1f));
    }

    /** 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2/pi)(x + 0.044715 x^3): no cancellation. */
    private static FloatVector geluTanh(FloatVector x) {
        FloatVector u = x.mul(x).mul(0.044715f).add(1f).mul(x).mul(0.7978845608f);
        return x.div(FastMath.exp(u.mul(-2f)).add(1f));
    }

    /**
     * x * Phi(x) with Phi(x) = erfc(-x / sqrt 2) / 2 and erfc from the Chebyshev-fitted form of Numerical
     * Recipes (erfcc: t = 1/(1 + |z|/2), erfc(|z|) = t exp(-z^2 - 1.26551223 + t P(t)), fractional error below
     * 1.2e-7 for every z), so x * Phi(x) is accurate relative to itself also in the far negative tail.
     */
    private static FloatVector gelu(FloatVector x) {
        FloatVector z = x.mul(-0.70710678f); // Phi(x) = erfc(z) / 2 with z = -x / sqrt 2
        FloatVector az = z.abs();
        FloatVector t = az.mul(0.5f).add(1f);
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector p = t.mul(0.17087277f).add(-0.82215223f);
        p = p.mul(t).add(1.48851587f);
        p = p.mul(t).add(-1.13520398f);
        p = p.mul(t).add(0.27886807f);
        p = p.mul(t).add(-0.18628806f);
        p = p.mul(t).add(0.09678418f);
        p = p.mul(t).add(0.37409196f);
        p = p.mul(t).add(1.00002368f);
        p = p.mul(t).add(-1.26551223f);
        FloatVector erfcAbs = t.mul(FastMath.exp(az.mul(az).neg().add(p)));
        // erfc(z) = erfcAbs for z >= 0, 2 - erfcAbs for z < 0
        FloatVector erfc = erfcAbs.blend(FloatVector.broadcast(S, 2f).sub(erfcAbs), z.lt(0f));
        return x.mul(erfc).mul(0.5f);
    }
}
