package dev.unitune.tensor;

/**
 * Bit-exact conversions between float and the two 16-bit float formats, by bit manipulation (JDK 17 has
 * no Float.float16ToFloat). Float to 16-bit rounds to nearest, ties to even; NaN stays NaN (quiet, sign and
 * top payload bits kept); overflow goes to infinity as IEEE 754 rounding demands.
 */
public final class Half {
    private Half() {}

    /** IEEE binary16 bits to float (exact: every half is a float). */
    public static float f16ToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) { // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Float to IEEE binary16 bits, round to nearest even. */
    public static short floatToF16(float f) {
        int b = Float.floatToRawIntBits(f);
        int sign = (b >>> 16) & 0x8000;
        int e = (b >>> 23) & 0xFF;
        int m = b & 0x7FFFFF;
        if (e == 255) return (short) (sign | 0x7C00 | (m != 0 ? 0x200 | (m >>> 13) : 0));
        int exp = e - 127 + 15; // biased half exponent
        if (exp >= 31) return (short) (sign | 0x7C00);
        if (exp <= 0) { // half subnormal (or zero): value / 2^-24, rounded
            if (e == 0) return (short) sign; // float zero or float subnormal (< 2^-126): far below half's range
            int full = m | 0x800000; // 24-bit significand
            int shift = 14 - exp;    // value = full * 2^(e-150) = (full >> shift) * 2^-24
            if (shift > 24) return (short) sign;
            int r = full >>> shift;
            int rem = full & ((1 << shift) - 1), halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (r & 1) == 1)) r++;
            return (short) (sign | r); // r == 0x400 is exactly the smallest normal
        }
        int r = (exp << 10) | (m >>> 13);
        int rem = m & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1)) r++; // a carry into the exponent is correct (up to inf)
        return (short) (sign | r);
    }

    /** bfloat16 bits to float (the high half of the float's bits). */
    public static float bf16ToFloat(short h) { return Float.intBitsToFloat((h & 0xFFFF) << 16); }

    /** Float to bfloat16 bits, round to nearest even. */
    public static short floatToBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7FFFFFFF) > 0x7F800000) return (short) ((b >>> 16) | 0x40); // NaN: keep it NaN, quiet
        int lsb = (b >>> 16) & 1;
        return (short) ((b + 0x7FFF + lsb) >>> 16);
    }

    public static float toFloat(short bits, DType dtype) {
        return dtype == DType.BF16 ? bf16ToFloat(bits) : f16ToFloat(bits);
    }

    public static short fromFloat(float v, DType dtype) {
        return dtype == DType.BF16 ? floatToBf16(v) : floatToF16(v);
    }
}
