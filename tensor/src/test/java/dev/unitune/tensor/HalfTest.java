package dev.unitune.tensor;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.*;

/** Exhaustive checks of the 16-bit float conversions against slow, obviously correct definitions. */
class HalfTest {
    /** binary16 value from its fields, in double: (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
    private static double slowF16(int bits) {
        int s = bits >>> 15, e = (bits >>> 10) & 31, m = bits & 1023;
        double sign = s == 1 ? -1 : 1;
        if (e == 31) return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        if (e == 0) return sign * Math.scalb(m / 1024.0, -14);
        return sign * Math.scalb(1 + m / 1024.0, e - 15);
    }

    private static double slowBf16(int bits) {
        int s = bits >>> 15, e = (bits >>> 7) & 255, m = bits & 127;
        double sign = s == 1 ? -1 : 1;
        if (e == 255) return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        if (e == 0) return sign * Math.scalb(m / 128.0, -126);
        return sign * Math.scalb(1 + m / 128.0, e - 127);
    }

    @Test
    void everyF16PatternDecodesExactlyAndRoundTrips() {
        for (int b = 0; b < 65536; b++) {
            double want = slowF16(b);
            float got = Half.f16ToFloat((short) b);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), "f16 " + Integer.toHexString(b));
                assertTrue(Float.isNaN(Half.f16ToFloat(Half.floatToF16(got))), "NaN stays NaN " + Integer.toHexString(b));
                continue;
            }
            assertEquals(want, got, 0.0, "f16 " + Integer.toHexString(b));
            assertEquals(Double.doubleToRawLongBits(want) >>> 63, Float.floatToRawIntBits(got) >>> 31, "sign of " + Integer.toHexString(b));
            assertEquals((short) b, Half.floatToF16(got), "round trip " + Integer.toHexString(b));
        }
    }

    @Test
    void everyBf16PatternDecodesExactlyAndRoundTrips() {
        for (int b = 0; b < 65536; b++) {
            double want = slowBf16(b);
            float got = Half.bf16ToFloat((short) b);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got));
                assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(got))), "NaN stays NaN " + Integer.toHexString(b));
                continue;
            }
            assertEquals(want, got, 0.0, "bf16 " + Integer.toHexString(b));
            assertEquals((short) b, Half.floatToBf16(got), "round trip " + Integer.toHexString(b));
        }
    }

    /**
     * Slow nearest-even rounding: among all finite 16-bit values (and infinity, which IEEE treats as the value
     * one step past the largest finite), pick the nearest in exact decimal arithmetic, ties to the even pattern.
     */
    private static short slowRound(float f, boolean bf16) {
        if (Float.isNaN(f)) throw new IllegalArgumentException();
        BigDecimal x = new BigDecimal(f);
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        BigDecimal ax = x.abs();
        int maxFinite = bf16 ? 0x7F7F : 0x7BFF;
        int best = 0;
        BigDecimal bestErr = null;
        // binary search for the largest pattern <= |x|, then compare with its neighbour
        int lo = 0, hi = maxFinite;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if ((bf16 ? slowBf16(mid) : slowF16(mid)) <= Math.abs((double) f)) lo = mid; else hi = mid - 1; // exact: both are doubles
        }
        for (int cand = lo; cand <= lo + 1; cand++) {
            BigDecimal v;
            if (cand > maxFinite) { // the "next" value past the largest finite: 2^(emax+1)
                v = new BigDecimal(bf16 ? Math.scalb(1.0, 128) : 65536.0);
            } else v = new BigDecimal(bf16 ? slowBf16(cand) : slowF16(cand));
            BigDecimal err = v.subtract(ax).abs();
            if (bestErr == null || err.compareTo(bestErr) < 0 || (err.compareTo(bestErr) == 0 && (cand & 1) == 0)) { best = cand; bestErr = err; }
        }
        if (best > maxFinite) best = bf16 ? 0x7F80 : 0x7C00;
        return (short) (sign | best);
    }

    @Test
    void floatToF16RoundsToNearestEvenIncludingTiesAndOverflow() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        // every midpoint between adjacent halves (the ties), and one random float in each gap
        for (int b = 0; b < 0x7C00; b++) {
            double lo = slowF16(b), hi = b + 1 == 0x7C00 ? 65536.0 : slowF16(b + 1);
            float mid = (float) ((lo + hi) / 2); // exact: midpoints of halves fit a float
            assertEquals(slowRound(mid, false), Half.floatToF16(mid), "tie at " + mid);
            assertEquals(slowRound(-mid, false), Half.floatToF16(-mid), "tie at " + -mid);
            float in = (float) (lo + (hi - lo) * r.nextDouble());
            assertEquals(slowRound(in, false), Half.floatToF16(in), "value " + in);
        }
        assertEquals((short) 0x7C00, Half.floatToF16(1e6f));
        assertEquals((short) 0x7BFF, Half.floatToF16(65519.99f));
        assertEquals((short) 0x7C00, Half.floatToF16(65520f));
        assertEquals((short) 0x0000, Half.floatToF16(Float.MIN_VALUE));
        assertEquals((short) 0x8000, Half.floatToF16(-0f));
    }

    @Test
    void floatToBf16RoundsToNearestEven() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        for (int i = 0; i < 50_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) continue;
            if (Float.isInfinite(f)) { assertEquals(Float.floatToRawIntBits(f) >>> 16, Half.floatToBf16(f) & 0xFFFF); continue; }
            assertEquals(slowRound(f, true), Half.floatToBf16(f), "value " + f);
        }
        for (int b = 0; b < 0x7F80; b += 7) { // ties between adjacent bf16 values
            float mid = Float.intBitsToFloat((b << 16) | 0x8000);
            assertEquals(slowRound(mid, true), Half.floatToBf16(mid), "tie at " + mid);
        }
    }
}
