package dev.unitune.tensor.cpu;

import dev.unitune.tensor.cpu.fast.FastMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row passes of F32 attention over score rows padded to a whole number of vectors (padding keys hold
 * -inf, so they contribute exp(-inf) = 0). Only full-vector loads and stores: on JDK 17 a masked
 * store falls back to a per-lane loop, which with 77 keys (9 vectors + 5) cost more than the FMAs.
 * Sums run in a fixed lane order and exp is {@link FastMath#exp(FloatVector)}, so the bits do not
 * depend on threads or on interpreter vs C2.
 */
final class AttentionRows {
    private AttentionRows() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    /** n rounded up to whole vectors (at least one vector, so an empty row still has a slot). */
    static int padded(int n) { return Math.max(L, (n + L - 1) / L * L); }

    /** Maximum of a[off .. off+len), len a multiple of L; max is exact, so lane order does not matter. */
    static float max(float[] a, int off, int len) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = off, end = off + len; i < end; i += L) acc = acc.max(FloatVector.fromArray(S, a, i));
        float r = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < L; l++) r = Math.max(r, acc.lane(l));
        return r;
    }

    /**
     * a[i] = exp(a[i] - sub) over [off, off+len), len a multiple of L; returns the sum in lane order
     * (lane l sums elements l, l+L, ... in order, then the lanes are added in order, in double).
     */
    static double expSub(float[] a, int off, int len, float sub) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = off, end = off + len; i < end; i += L) {
            FloatVector e = FastMath.exp(FloatVector.fromArray(S, a, i).sub(sub));
            e.intoArray(a, i);
            acc = acc.add(e);
        }
        double s = 0;
        for (int l = 0; l < L; l++) s += acc.lane(l);
        return s;
    }

    /** dp[i] = p[i] * (dp[i] - d) * f over [off, off+len), len a multiple of L. */
    static void softmaxGrad(float[] p, float[] dp, int off, int len, float d, float f) {
        for (int i = off, end = off + len; i < end; i += L)
            FloatVector.fromArray(S, p, i).mul(FloatVector.fromArray(S, dp, i).sub(d)).mul(f).intoArray(dp, i);
    }

    /** a[i] *= f over [off, off+len), any len: whole vectors, then a scalar tail (the same IEEE multiply). */
    static void scale(float[] a, int off, int len, float f) {
        int end = off + len, i = off;
        for (; i <= end - L; i += L) FloatVector.fromArray(S, a, i).mul(f).intoArray(a, i);
        for (; i < end; i++) a[i] *= f;
    }

    /** dst[0 .. n) = src[srcOff ..) * f (a scaled copy, whole vectors then a scalar tail). */
    static void scaledCopy(float[] src, int srcOff, float[] dst, int n, float f) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, src, srcOff + i).mul(f).intoArray(dst, i);
        for (; i < n; i++) dst[i] = src[srcOff + i] * f;
    }

    /** Sum over c of a[aOff+c] * b[bOff+c] in double, in order: rowsum(dO * out) of backward. */
    static float dotDouble(float[] a, int aOff, float[] b, int bOff, int n) {
        double s = 0;
        for (int c = 0; c < n; c++) s += (double) a[aOff + c] * b[bOff + c];
        return (float) s;
    }
}
