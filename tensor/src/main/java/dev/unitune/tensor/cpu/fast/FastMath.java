package dev.unitune.tensor.cpu.fast;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp on float lanes with our own polynomial, so the interpreter and C2 give identical bits (the Vector
 * API's lanewise EXP does not: it calls SVML when compiled and Math.exp when interpreted). The scalar
 * and vector versions run the same operations in the same order, so they agree bit for bit too.
 *
 * Method (as in Cephes expf): n = round(x log2 e), r = x - n ln2 with ln2 split in two parts so r is
 * exact, exp(r) by a degree-6 polynomial on |r| <= ln2/2 (relative error ~ 1e-7, about 1-2 ulp),
 * then scale by 2^n built from the exponent bits. Inputs above 88.7 are clamped (~3.4e38, not inf);
 * inputs below -87.3 give 0 (no denormals), so exp(-inf) = 0 as masked softmax needs.
 */
public final class FastMath {
    private FastMath() {}

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;      // few mantissa bits: n * LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f;    // 1.5 * 2^23: adding it rounds to an integer
    private static final int ROUND_MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
    private static final float MAX_X = 88.7f, MIN_X = -87.3f;
    // Cephes expf coefficients for exp(r) = 1 + r + r^2 * P(r).
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** exp(x) for one float, bit-identical to {@link #exp(FloatVector)} on each lane. */
    public static float exp(float x) {
        if (x < MIN_X) return 0f;
        x = Math.min(Math.max(x, MIN_X), MAX_X);
        float t = Math.fma(x, LOG2E, ROUND_MAGIC);
        int n = Float.floatToRawIntBits(t) - ROUND_MAGIC_BITS;
        float nf = t - ROUND_MAGIC;
        float r = Math.fma(nf, -LN2_HI, x);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float r2 = r * r;
        float e = Math.fma(p, r2, r) + 1f;
        return e * Float.intBitsToFloat((n + 127) << 23);
    }

    /** exp on every lane; see the class comment. */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> s = x.species();
        var underflow = x.lt(MIN_X);
        x = x.max(MIN_X).min(MAX_X);
        FloatVector t = x.fma(FloatVector.broadcast(s, LOG2E), FloatVector.broadcast(s, ROUND_MAGIC));
        IntVector n = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS);
        FloatVector nf = t.sub(ROUND_MAGIC);
        FloatVector r = nf.fma(FloatVector.broadcast(s, -LN2_HI), x);
        r = nf.fma(FloatVector.broadcast(s, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(s, P0).fma(r, FloatVector.broadcast(s, P1));
        p = p.fma(r, FloatVector.broadcast(s, P2));
        p = p.fma(r, FloatVector.broadcast(s, P3));
        p = p.fma(r, FloatVector.broadcast(s, P4));
        p = p.fma(r, FloatVector.broadcast(s, P5));
        FloatVector r2 = r.mul(r);
        FloatVector e = p.fma(r2, r).add(1f);
        FloatVector scale = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return e.mul(scale).blend(0f, underflow);
    }

    /** Sum of the lanes in lane order, in double: a fixed order, unlike reduceLanes(ADD). */
    static double sumLanes(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += scratch[i];
        return s;
    }
}
