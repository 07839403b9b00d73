package dev.unitune.tensor;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123), the
 * counter-based generator behind {@link Backend#uniform} and {@link Backend#normal}. GPU backends port
 * exactly this definition, so it is kept small and every step is spelled out.
 *
 * <p><b>Key and counter.</b> key = (k0, k1) = (low 32 bits of seed, high 32 bits of seed). Global element
 * index {@code g = offset + i} (i = row-major index in the output). Element g lives in block
 * {@code b = g / 4}, lane {@code g % 4}; the block's 128-bit counter is (c0, c1, c2, c3) =
 * (low 32 bits of b, high 32 bits of b, 0, 0). So every element is a pure function of (seed, offset + i).
 *
 * <p><b>Uniform.</b> {@code u = (word >>> 8) * 2^-24}, a float in [0, 1) from the 24 high bits of the lane's
 * 32-bit word (exact in float). F32/F16/BF16 draws compute {@code (float) low + ((float) high - (float) low) * u}
 * in float arithmetic, two separately rounded operations (no fused multiply-add), then round to the dtype;
 * F64 draws compute the same expression in double.
 *
 * <p><b>Normal.</b> Box-Muller on lane pairs (0,1) and (2,3) of a block: for the pair holding element g,
 * {@code u1 = ((w[2p] >>> 8) + 1) * 2^-24} in (0, 1] (never 0, so the log is finite) and
 * {@code u2 = (w[2p+1] >>> 8) * 2^-24}; {@code r = sqrt(-2 ln u1)}, the even lane gets {@code r cos(2 pi u2)},
 * the odd lane {@code r sin(2 pi u2)}; value = mean + std * z, computed in double and rounded once to the
 * dtype. Element g is again a pure function of (seed, offset + i). Backends whose log/sin/cos differ in the
 * last bit give normals equal to within a few ulp; uniforms are bit-identical everywhere.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57; // round multipliers
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85; // Weyl key increments
    private static final float TWO_POW_M24 = 0x1p-24f;

    private Philox() {}

    /** The 4 output words of Philox4x32-10 for one 128-bit counter and 64-bit key, into out[0..3]. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            if (round > 0) { k0 += W0; k1 += W1; }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    /** The 4 words of block b (counter = (low(b), high(b), 0, 0)) under key = seed. */
    public static void blockFor(long seed, long b, int[] out) {
        block((int) b, (int) (b >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), out);
    }

    /** The 24-bit uniform in [0, 1) of a 32-bit word. */
    public static float unit(int word) { return (word >>> 8) * TWO_POW_M24; }

    /** Uniform [0, 1) floats for global elements offset .. offset+n-1, into out[outOff ..]. */
    public static void uniformUnit(long seed, long offset, float[] out, int outOff, int n) {
        int[] w = new int[4];
        long cached = -1;
        for (int i = 0; i < n; i++) {
            long g = offset + i;
            long b = Long.divideUnsigned(g, 4);
            if (b != cached) { blockFor(seed, b, w); cached = b; }
            out[outOff + i] = unit(w[(int) Long.remainderUnsigned(g, 4)]);
        }
    }

    /** Standard normals (double) for global elements offset .. offset+n-1, into out[outOff ..]. */
    public static void standardNormal(long seed, long offset, double[] out, int outOff, int n) {
        int[] w = new int[4];
        long cached = -1;
        for (int i = 0; i < n; i++) {
            long g = offset + i;
            long b = Long.divideUnsigned(g, 4);
            if (b != cached) { blockFor(seed, b, w); cached = b; }
            int lane = (int) Long.remainderUnsigned(g, 4);
            int pair = lane & ~1;
            double u1 = ((w[pair] >>> 8) + 1) * (double) TWO_POW_M24;
            double u2 = (w[pair + 1] >>> 8) * (double) TWO_POW_M24;
            double r = Math.sqrt(-2.0 * Math.log(u1));
            double angle = 2.0 * Math.PI * u2;
            out[outOff + i] = (lane & 1) == 0 ? r * Math.cos(angle) : r * Math.sin(angle);
        }
    }
}
