package dev.unitune.weights;

import dev.unitune.tensor.Half;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class FloatBitsTest {
    @Test
    void everyHalfSurvivesTheRoundTripThroughFloat() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.f16ToFloat((short) h);
            short back = Half.floatToF16(f);
            if (Float.isNaN(f)) assertTrue(Float.isNaN(Half.f16ToFloat(back)));
            else assertEquals(h, back & 0xffff, "half bits " + Integer.toHexString(h));
        }
    }

    @Test
    void halfKnownValues() {
        assertEquals(1.0f, Half.f16ToFloat((short) 0x3c00));
        assertEquals(65504f, Half.f16ToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Half.f16ToFloat((short) 0x0001));
        assertEquals(-2.0f, Half.f16ToFloat((short) 0xc000));
        assertEquals(Float.POSITIVE_INFINITY, Half.f16ToFloat((short) 0x7c00));
        assertEquals((short) 0x7c00, Half.floatToF16(65520f), "65520 is halfway to 2^16: rounds to even = inf");
        assertEquals((short) 0x7bff, Half.floatToF16(65519f));
    }

    @Test
    void halfRoundsToNearestEven() {
        // 1 + 2^-11 is exactly between 1 and the next half (1 + 2^-10): ties go to the even mantissa (1).
        assertEquals((short) 0x3c00, Half.floatToF16(1f + 0x1p-11f));
        // 1 + 3*2^-11 is between 1+2^-10 (odd) and 1+2^-9 (even): goes up.
        assertEquals((short) 0x3c02, Half.floatToF16(1f + 3 * 0x1p-11f));
        assertEquals((short) 0x3c01, Half.floatToF16(1f + 0x1p-11f + 0x1p-20f));
        // Subnormal ties: 2^-25 is half the smallest subnormal: to even (0); 3*2^-25 -> 2*2^-24.
        assertEquals((short) 0, Half.floatToF16(0x1p-25f));
        assertEquals((short) 2, Half.floatToF16(3 * 0x1p-25f));
    }

    @Test
    void everyBf16SurvivesTheRoundTrip() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.bf16ToFloat((short) h);
            short back = Half.floatToBf16(f);
            if (Float.isNaN(f)) assertTrue(Float.isNaN(Half.bf16ToFloat(back)));
            else assertEquals(h, back & 0xffff);
        }
        assertEquals((short) 0x3f80, Half.floatToBf16(1f + 0x1p-8f), "tie to even");
        assertEquals((short) 0x3f82, Half.floatToBf16(1f + 3 * 0x1p-8f), "tie to even, upwards");
    }

    @Test
    void fp8KnownValues() {
        assertEquals(448f, FloatBits.e4m3ToFloat((byte) 0x7e), "E4M3 max");
        assertTrue(Float.isNaN(FloatBits.e4m3ToFloat((byte) 0x7f)));
        assertEquals(0x1p-9f, FloatBits.e4m3ToFloat((byte) 0x01), "E4M3 smallest subnormal");
        assertEquals(1f, FloatBits.e4m3ToFloat((byte) 0x38));
        assertEquals(-1.5f, FloatBits.e4m3ToFloat((byte) 0xbc));
        assertEquals(57344f, FloatBits.e5m2ToFloat((byte) 0x7b), "E5M2 max");
        assertEquals(Float.POSITIVE_INFINITY, FloatBits.e5m2ToFloat((byte) 0x7c));
        assertTrue(Float.isNaN(FloatBits.e5m2ToFloat((byte) 0x7d)));
        assertEquals(0x1p-16f, FloatBits.e5m2ToFloat((byte) 0x01));
        assertEquals(1f, FloatBits.e5m2ToFloat((byte) 0x3c));
        // E5M2 is the top byte of a half: the two decodings must agree everywhere.
        for (int b = 0; b < 256; b++) {
            float a = FloatBits.e5m2ToFloat((byte) b), h = Half.f16ToFloat((short) (b << 8));
            assertTrue(Float.compare(a, h) == 0 || (Float.isNaN(a) && Float.isNaN(h)), "byte " + b);
        }
    }
}
