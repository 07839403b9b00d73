package dev.unitune.weights;

/**
 * Decoding of the 8-bit float formats safetensors allows (F8_E4M3, F8_E5M2). The 16-bit formats (F16,
 * BF16) are the tensor core's {@link dev.unitune.tensor.Half}, which every backend uses too.
 */
public final class FloatBits {
    private FloatBits() {}

    private static final float[] E4M3 = new float[256];
    private static final float[] E5M2 = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            E4M3[b] = decodeMinifloat(b, 4, 3, 7, false);
            E5M2[b] = decodeMinifloat(b, 5, 2, 15, true);
        }
    }

    /** FP8 E4M3 ("fn" variant used by torch/safetensors: no infinities, S.1111.111 is NaN). */
    public static float e4m3ToFloat(byte b) { return E4M3[b & 0xff]; }

    /** FP8 E5M2 (IEEE-like: exponent 31 is inf/NaN). */
    public static float e5m2ToFloat(byte b) { return E5M2[b & 0xff]; }

    private static float decodeMinifloat(int b, int expBits, int mantBits, int bias, boolean ieeeSpecials) {
        boolean neg = (b & 0x80) != 0;
        int exp = (b >>> mantBits) & ((1 << expBits) - 1);
        int mant = b & ((1 << mantBits) - 1);
        int maxExp = (1 << expBits) - 1;
        float v;
        if (ieeeSpecials && exp == maxExp) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        else if (!ieeeSpecials && exp == maxExp && mant == (1 << mantBits) - 1) v = Float.NaN;
        else if (exp == 0) v = (float) Math.scalb((double) mant / (1 << mantBits), 1 - bias);
        else v = (float) Math.scalb(1.0 + (double) mant / (1 << mantBits), exp - bias);
        return neg ? -v : v;
    }
}
