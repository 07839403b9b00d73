package dev.unitune.tensor.cpu.fast;

import jdk.incubator.vector.FloatVector;

import static dev.unitune.tensor.cpu.fast.GemmKernel.MR;
import static dev.unitune.tensor.cpu.fast.GemmKernel.NR;

/**
 * Winograd F(2x2, 3x3) forward for small channel counts, fused per block of tiles. {@link Winograd}'s
 * layer-wide form (transform every tile, 16 large GEMMs, transform back) streams V and M through memory
 * and repacks V for the GEMMs; at 64 channels that traffic, not the multiplies, is most of the time.
 * Here each task takes {@link #BLOCK} consecutive tiles of one image and does all three steps while they
 * sit in L2: the input transform writes V straight into the micro-kernel's packed-B layout, the 16
 * products run through {@link GemmKernel} against the pre-packed U, and the output transform reads M
 * back from the same small buffer. The transformed weights are re-read (from L2, or L3 past ~100
 * channels) by every block, which is why this form is only used while U is small ({@link #applies}).
 * At (1,64,64,64)->64 on one thread it took 5.2 ms against 6.6 ms for the layer-wide form (2/3 of it
 * in the products, at ~40 GFLOPS, near this machine's FMA peak; the input transform's reads of a
 * 1 MiB input that misses L2 are most of the rest).
 *
 * Arithmetic per output is the same sequence of operations as in {@link Winograd} (transform formulas,
 * k slices in order, one FMA per product), so its error is the same; blocks only decide which thread
 * computes a tile, never how, so the bits do not depend on the thread count.
 */
final class WinogradFused {
    private WinogradFused() {}

    /** Tiles per task: two B panels (an A panel is reused twice); V and M blocks of 16 x C x 32 floats. */
    static final int BLOCK = 2 * NR;
    /**
     * U (16 x O x C floats) up to 2 MiB, i.e. up to about 180 channels in and out. Measured on one thread
     * (this machine, 32x32 images) the fused form was 15% faster at 128 channels and about even at 320;
     * the UNet's 320+ channel layers keep the layer-wide form, whose 16 large GEMMs split better over threads.
     */
    private static final long MAX_U_FLOATS = 1L << 19;

    /**
     * Floats between components of the V and M blocks. c * BLOCK alone is a multiple of 4 KiB for common
     * channel counts, which would put the 16 components' streams in one L1 set; a cache line more staggers
     * them (a guard: at 64 channels the difference was not measurable).
     */
    static int vStride(int c) { return c * BLOCK + 16; }

    static int mStride(int mPad) { return mPad * BLOCK + 16; }

    /** True when the fused form is the faster one: small layers, where per-layer traffic dominates. */
    static boolean applies(int c, int o) {
        // The channel bound keeps each thread's V block (16 x c x BLOCK floats) near cache size.
        return 16 * PackedGemm.packedSize(o, c) <= MAX_U_FLOATS && c <= 1024;
    }

    /** out[n][o][oh][ow] = conv(x, weight) + bias from transformed weights u ({@link Winograd#transformWeights}). */
    static void forward(float[] x, int n, int c, int h, int w, float[] u, int o, float[] bias, int padH, int padW,
                        int oh, int ow, float[] out) {
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, tiles = tilesH * tilesW;
        int blocksPerImage = PackedGemm.ceilDiv(tiles, BLOCK);
        int uSize = (int) PackedGemm.packedSize(o, c), mPad = PackedGemm.roundUp(o, MR);
        Threads.parallelFor(n * blocksPerImage, task -> {
            int img = task / blocksPerImage, t0 = task % blocksPerImage * BLOCK;
            int count = Math.min(BLOCK, tiles - t0);
            float[] v = Scratch.get(Scratch.FUSED_V, 16 * vStride(c));
            float[] m = Scratch.get(Scratch.FUSED_M, 16 * mStride(mPad));
            float[] rows = Scratch.get(Scratch.FUSED_ROWS, ROWS_FLOATS);
            inputTransform(x, img * c * h * w, c, h, w, padH, padW, tilesW, t0, count, v, rows);
            multiply(u, uSize, o, c, mPad, v, m);
            outputTransform(m, mPad, o, tilesW, t0, count, bias, oh, ow, out, img * o * oh * ow, rows);
        });
    }

    /**
     * V for tiles [t0, t0+count) of one image in packed-B layout: component xi, panel q, channel ci, tile j
     * at xi*vStride(c) + q*c*NR + ci*NR + j. Tiles past count are zero. Tiles are walked in runs along a
     * tile row (and inside one panel, so each run's outputs are contiguous): the run's 4 input rows are
     * split into even and odd columns (zero outside the image), combined vertically (B^T), then
     * horizontally (B), both on whole vectors. Same formulas, in the same order, as
     * {@link Winograd#inputTransform}, so the same roundings.
     */
    static void inputTransform(float[] x, int xOff, int c, int h, int w, int padH, int padW, int tilesW,
                               int t0, int count, float[] v, float[] rows) {
        int half = ROW_HALF, comp = vStride(c);
        for (int ci = 0; ci < c; ci++) {
            int plane = xOff + ci * h * w;
            for (int b = 0; b < count; ) {
                int t = t0 + b, ty = t / tilesW, tx = t % tilesW;
                int len = Math.min(Math.min(count - b, tilesW - tx), NR - b % NR);
                int pairs = len + 1, ix0 = 2 * tx - padW;
                // rows: even columns of input rows 0-3 at r*half, odd ones at (4+r)*half.
                for (int r = 0; r < 4; r++)
                    splitRow(x, plane, h, w, 2 * ty - padH + r, ix0, pairs, rows, r * half, (4 + r) * half);
                // Vertical B^T into rows 8-11 (even) and 12-15 (odd): d0-d2, d1+d2, d2-d1, d1-d3.
                vertical(rows, 0, 8 * half, pairs);
                vertical(rows, 4 * half, 12 * half, pairs);
                // Horizontal B: tile k uses columns even[k], odd[k], even[k+1], odd[k+1].
                int base = (b / NR) * c * NR + ci * NR + b % NR;
                for (int i = 0; i < 4; i++)
                    horizontal(rows, (8 + i) * half, (12 + i) * half, len, v, 4 * i * comp + base, comp);
                b += len;
            }
            for (int bj = count; bj < BLOCK; bj++) { // past the image's last tile: zero columns
                int dst = (bj / NR) * c * NR + ci * NR + bj % NR;
                for (int xi = 0; xi < 16; xi++) v[xi * comp + dst] = 0f;
            }
        }
    }

    /** Floats per row of the input-transform scratch (a run's column pairs, rounded up to whole vectors). */
    static final int ROW_HALF = PackedGemm.roundUp(NR + 1, GemmKernel.L);
    /** Floats of the input-transform scratch: 16 rows. */
    static final int ROWS_FLOATS = 16 * ROW_HALF;

    /** even[k] = row iy at column ix0 + 2k, odd[k] at ix0 + 2k + 1, for k < pairs; zero outside the image. */
    private static void splitRow(float[] x, int plane, int h, int w, int iy, int ix0, int pairs,
                                 float[] rows, int even, int odd) {
        if (iy < 0 || iy >= h) {
            java.util.Arrays.fill(rows, even, even + pairs, 0f);
            java.util.Arrays.fill(rows, odd, odd + pairs, 0f);
            return;
        }
        int src = plane + iy * w + ix0;
        if (ix0 >= 0 && ix0 + 2 * pairs <= w) { // the common case: all inside
            for (int k = 0; k < pairs; k++) {
                rows[even + k] = x[src + 2 * k];
                rows[odd + k] = x[src + 2 * k + 1];
            }
            return;
        }
        for (int k = 0; k < pairs; k++) {
            int ix = ix0 + 2 * k;
            rows[even + k] = ix >= 0 && ix < w ? x[src + 2 * k] : 0f;
            rows[odd + k] = ix + 1 >= 0 && ix + 1 < w ? x[src + 2 * k + 1] : 0f;
        }
    }

    /** Rows out..out+3 (each ROW_HALF apart) = d0-d2, d1+d2, d2-d1, d1-d3 of rows in..in+3, first n columns. */
    private static void vertical(float[] rows, int in, int out, int n) {
        int h = ROW_HALF, j = 0;
        for (; j <= n - GemmKernel.L; j += GemmKernel.L) {
            FloatVector d0 = FloatVector.fromArray(GemmKernel.S, rows, in + j),
                    d1 = FloatVector.fromArray(GemmKernel.S, rows, in + h + j),
                    d2 = FloatVector.fromArray(GemmKernel.S, rows, in + 2 * h + j),
                    d3 = FloatVector.fromArray(GemmKernel.S, rows, in + 3 * h + j);
            d0.sub(d2).intoArray(rows, out + j);
            d1.add(d2).intoArray(rows, out + h + j);
            d2.sub(d1).intoArray(rows, out + 2 * h + j);
            d1.sub(d3).intoArray(rows, out + 3 * h + j);
        }
        for (; j < n; j++) {
            float d0 = rows[in + j], d1 = rows[in + h + j], d2 = rows[in + 2 * h + j], d3 = rows[in + 3 * h + j];
            rows[out + j] = d0 - d2;
            rows[out + h + j] = d1 + d2;
            rows[out + 2 * h + j] = d2 - d1;
            rows[out + 3 * h + j] = d1 - d3;
        }
    }

    /** v[dst + q*comp + k], q = 0..3: e[k]-e[k+1], o[k]+e[k+1], e[k+1]-o[k], o[k]-o[k+1] for k < len. */
    private static void horizontal(float[] rows, int e, int o, int len, float[] v, int dst, int comp) {
        int k = 0;
        for (; k <= len - GemmKernel.L; k += GemmKernel.L) {
            FloatVector e0 = FloatVector.fromArray(GemmKernel.S, rows, e + k),
                    e1 = FloatVector.fromArray(GemmKernel.S, rows, e + k + 1),
                    o0 = FloatVector.fromArray(GemmKernel.S, rows, o + k),
                    o1 = FloatVector.fromArray(GemmKernel.S, rows, o + k + 1);
            e0.sub(e1).intoArray(v, dst + k);
            o0.add(e1).intoArray(v, dst + comp + k);
            e1.sub(o0).intoArray(v, dst + 2 * comp + k);
            o0.sub(o1).intoArray(v, dst + 3 * comp + k);
        }
        for (; k < len; k++) {
            float e0 = rows[e + k], e1 = rows[e + k + 1], o0 = rows[o + k], o1 = rows[o + k + 1];
            v[dst + k] = e0 - e1;
            v[dst + comp + k] = o0 + e1;
            v[dst + 2 * comp + k] = e1 - o0;
            v[dst + 3 * comp + k] = o0 - o1;
        }
    }

    /**
     * M[xi] (mPad x BLOCK, ld BLOCK, at xi * mStride(mPad)) = U[xi] * V[xi] for the 16 components, over U's k slices in order
     * (beta 0 for the first slice, 1 after: as {@link PackedGemm} sums them). M has mPad rows so every
     * micro-kernel call stores a full tile; the padding rows hold zeros and are never read.
     */
    static void multiply(float[] u, int uSize, int o, int c, int mPad, float[] v, float[] m) {
        int depth = PackedGemm.sliceDepth(c), panels = mPad / MR, comp = vStride(c), mComp = mStride(mPad);
        for (int xi = 0; xi < 16; xi++) {
            for (int pc = 0; pc < c; pc += depth) {
                int kc = Math.min(depth, c - pc);
                float beta = pc == 0 ? 0f : 1f;
                int aSlice = xi * uSize + pc * mPad;
                for (int panel = 0; panel < panels; panel++) {
                    int ao = aSlice + panel * MR * kc;
                    for (int q = 0; q < BLOCK / NR; q++)
                        GemmKernel.kernel(kc, u, ao, v, xi * comp + q * c * NR + pc * NR,
                                m, xi * mComp + panel * MR * BLOCK + q * NR, BLOCK, beta, MR, NR, null);
                }
            }
        }
    }

    /**
     * Output tiles [t0, t0+count) of one image from M, plus bias; same formulas, in the same order, as
     * {@link Winograd}. Runs of tiles along a tile row go L tiles at a time on vectors (M's rows are
     * contiguous over tiles); the four results are then interleaved into the two output rows. Tiles at the
     * right or bottom edge of an odd-sized output go one by one.
     */
    static void outputTransform(float[] m, int mPad, int o, int tilesW, int t0, int count, float[] bias,
                                int oh, int ow, float[] out, int outOff, float[] tmp) {
        int mComp = mStride(mPad), lanes = GemmKernel.L;
        for (int oi = 0; oi < o; oi++) {
            float bo = bias == null ? 0f : bias[oi];
            FloatVector bv = FloatVector.broadcast(GemmKernel.S, bo);
            int plane = outOff + oi * oh * ow, row = oi * BLOCK;
            for (int b = 0; b < count; ) {
                int t = t0 + b, ty = t / tilesW, tx = t % tilesW, y = 2 * ty;
                int len = Math.min(count - b, tilesW - tx);
                int whole = y + 1 < oh ? Math.min(len, ow / 2 - tx) : 0; // tiles with all 4 outputs inside
                int k = 0;
                for (; k + lanes <= whole; k += lanes) {
                    vectorTiles(m, row + b + k, mComp, bv, tmp);
                    int at = plane + y * ow + 2 * (tx + k);
                    for (int j = 0; j < lanes; j++) {
                        out[at + 2 * j] = tmp[j];
                        out[at + 2 * j + 1] = tmp[lanes + j];
                        out[at + ow + 2 * j] = tmp[2 * lanes + j];
                        out[at + ow + 2 * j + 1] = tmp[3 * lanes + j];
                    }
                }
                for (; k < len; k++) oneTile(m, row + b + k, mComp, bo, out, plane, y, 2 * (tx + k), oh, ow);
                b += len;
            }
        }
    }

    /** tmp = the L tiles' y00, y01, y10, y11 (L floats each) from M columns q..q+L. */
    private static void vectorTiles(float[] m, int q, int mComp, FloatVector bv, float[] tmp) {
        var sp = GemmKernel.S;
        FloatVector m0 = FloatVector.fromArray(sp, m, q), m1 = FloatVector.fromArray(sp, m, q + mComp),
                m2 = FloatVector.fromArray(sp, m, q + 2 * mComp), m3 = FloatVector.fromArray(sp, m, q + 3 * mComp),
                m4 = FloatVector.fromArray(sp, m, q + 4 * mComp), m5 = FloatVector.fromArray(sp, m, q + 5 * mComp),
                m6 = FloatVector.fromArray(sp, m, q + 6 * mComp), m7 = FloatVector.fromArray(sp, m, q + 7 * mComp),
                m8 = FloatVector.fromArray(sp, m, q + 8 * mComp), m9 = FloatVector.fromArray(sp, m, q + 9 * mComp),
                m10 = FloatVector.fromArray(sp, m, q + 10 * mComp), m11 = FloatVector.fromArray(sp, m, q + 11 * mComp),
                m12 = FloatVector.fromArray(sp, m, q + 12 * mComp), m13 = FloatVector.fromArray(sp, m, q + 13 * mComp),
                m14 = FloatVector.fromArray(sp, m, q + 14 * mComp), m15 = FloatVector.fromArray(sp, m, q + 15 * mComp);
        FloatVector s00 = m0.add(m4).add(m8), s01 = m1.add(m5).add(m9), s02 = m2.add(m6).add(m10), s03 = m3.add(m7).add(m11);
        FloatVector s10 = m4.sub(m8).sub(m12), s11 = m5.sub(m9).sub(m13), s12 = m6.sub(m10).sub(m14), s13 = m7.sub(m11).sub(m15);
        int l = GemmKernel.L;
        s00.add(s01).add(s02).add(bv).intoArray(tmp, 0);
        s01.sub(s02).sub(s03).add(bv).intoArray(tmp, l);
        s10.add(s11).add(s12).add(bv).intoArray(tmp, 2 * l);
        s11.sub(s12).sub(s13).add(bv).intoArray(tmp, 3 * l);
    }

    /** One tile from M column q: vertical A^T (s0 = m0+m1+m2, s1 = m1-m2-m3), then horizontal A, plus bias. */
    private static void oneTile(float[] m, int q, int mComp, float bo, float[] out, int plane, int y, int xcol,
                                int oh, int ow) {
        float s00 = m[q] + m[q + 4 * mComp] + m[q + 8 * mComp];
        float s01 = m[q + mComp] + m[q + 5 * mComp] + m[q + 9 * mComp];
        float s02 = m[q + 2 * mComp] + m[q + 6 * mComp] + m[q + 10 * mComp];
        float s03 = m[q + 3 * mComp] + m[q + 7 * mComp] + m[q + 11 * mComp];
        float s10 = m[q + 4 * mComp] - m[q + 8 * mComp] - m[q + 12 * mComp];
        float s11 = m[q + 5 * mComp] - m[q + 9 * mComp] - m[q + 13 * mComp];
        float s12 = m[q + 6 * mComp] - m[q + 10 * mComp] - m[q + 14 * mComp];
        float s13 = m[q + 7 * mComp] - m[q + 11 * mComp] - m[q + 15 * mComp];
        // Horizontal A: y0 = s0 + s1 + s2, y1 = s1 - s2 - s3.
        int at = plane + y * ow + xcol;
        boolean right = xcol + 1 < ow;
        out[at] = s00 + s01 + s02 + bo;
        if (right) out[at + 1] = s01 - s02 - s03 + bo;
        if (y + 1 < oh) {
            out[at + ow] = s10 + s11 + s12 + bo;
            if (right) out[at + ow + 1] = s11 - s12 - s13 + bo;
        }
    }
}
