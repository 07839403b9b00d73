package dev.unitune.weights;

/**
 * Conversions between float32 and the narrow float formats, by bit manipulation (JDK 17 has no
 * Float.float16ToFloat). Narrowing rounds to nearest, ties to even, as torch and numpy do.
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

    /** IEEE half (binary16) bits to float. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN (payload kept)
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: exact in float
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to IEEE half bits, round to nearest even; overflow gives infinity, NaN stays NaN. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign; // below half the smallest subnormal: rounds to zero
            int m = mant | 0x800000; // implicit leading one
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++; // may carry into the exponent: correct
        return (short) (sign | half);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Float to bfloat16 bits, round to nearest even; NaN stays a quiet NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
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
