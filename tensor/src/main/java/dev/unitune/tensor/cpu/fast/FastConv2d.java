package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;

/**
 * conv2d (NCHW input, OIHW weight, PyTorch semantics with stride, padding, dilation and groups) and its
 * two backward passes, as GEMMs over im2col matrices. Per image and group g (cg = c/groups input
 * channels, og = o/groups outputs, K = cg*kh*kw, P = oh*ow):
 *   forward         out_g[og x P]  = W_g[og x K] * col[K x P] + bias
 *   backwardInput   col[K x P]     = W_g^T * gradOut_g, then col2im adds it into gradX
 *   backwardWeight  gW_g[og x K]  += gradOut_g[og x P] * col^T   (summed over images in order)
 * Large images are processed in bands of output rows so the column matrix stays small. Stride-1 3x3
 * convolutions with enough channels run all three passes through Winograd F(2x2, 3x3) ({@link Winograd},
 * {@link WinogradWeightGrad}; 1.5-2x faster than im2col at the UNet's shapes, see BENCHMARKS.md);
 * 1x1 stride-1 convolutions skip im2col.
 */
public final class FastConv2d {
    private FastConv2d() {}

    /** Floats in one im2col band (4 MiB): large images are processed in bands of output rows. */
    private static final int COL_BAND_FLOATS = 1 << 20;
    /** Winograd pays off once the channel GEMMs dominate the transforms (measured: a wash at 16). */
    private static final int WINOGRAD_MIN_CHANNELS = 16;

    public static float[] forward(float[] x, int n, int c, int h, int w, float[] weight, int o, int kh, int kw,
                                  float[] bias, Conv2dSpec s) {
        Geometry g = Geometry.of("conv2d", n, c, h, w, o, kh, kw, s);
        g.checkArray("input", x, (long) n * c * h * w);
        g.checkArray("weight", weight, (long) o * g.cg * kh * kw);
        if (bias != null) g.checkArray("bias", bias, o);
        float[] out = new float[n * o * g.plane];
        if (g.plane == 0 || o == 0 || n == 0) return out;
        if (useWinograd(c, o, kh, kw, s) && Winograd.fits(c, o, g.ow)) {
            Winograd.forward(x, n, c, h, w, Winograd.transformWeights(weight, o, c), o, bias, s.padH(), s.padW(),
                    g.oh, g.ow, out);
            return out;
        }
        if (isPointwise(kh, kw, s)) {
            // 1x1, stride 1, no padding: the input planes already are the column matrix.
            for (int img = 0; img < n; img++)
                for (int grp = 0; grp < s.groups(); grp++)
                    Sgemm.gemm(false, false, g.og, g.plane, g.cg, weight, grp * g.og * g.cg, g.cg,
                            x, (img * c + grp * g.cg) * g.plane, g.plane, 0f, out, (img * o + grp * g.og) * g.plane, g.plane);
        } else {
            int band = g.bandRows();
            float[] col = new float[g.kSize * band * g.ow];
            for (int grp = 0; grp < s.groups(); grp++) {
                WeightOperand wg = new WeightOperand(false, g.og, g.kSize, weight, grp * g.og * g.kSize, g.kSize,
                        n * ceilDiv(g.oh, band) > 1);
                for (int img = 0; img < n; img++)
                    for (int oy0 = 0; oy0 < g.oh; oy0 += band) {
                        int oy1 = Math.min(g.oh, oy0 + band), cols = (oy1 - oy0) * g.ow;
                        Im2col.im2col(x, img * c * h * w, grp * g.cg, g.cg, h, w, kh, kw, s, g.ow, oy0, oy1, col);
                        wg.gemm(cols, col, 0, cols, out, (img * o + grp * g.og) * g.plane + oy0 * g.ow, g.plane);
                    }
            }
        }
        if (bias != null) for (int img = 0; img < n; img++) addBias(out, img * o * g.plane, bias, o, g.plane);
        return out;
    }

    public static float[] backwardInput(float[] gradOut, int n, int c, int h, int w, float[] weight, int o, int kh, int kw,
                                        Conv2dSpec s) {
        Geometry g = Geometry.of("conv2dBackwardInput", n, c, h, w, o, kh, kw, s);
        g.checkArray("gradOut", gradOut, (long) n * o * g.plane);
        g.checkArray("weight", weight, (long) o * g.cg * kh * kw);
        float[] gx = new float[n * c * h * w];
        if (g.plane == 0 || o == 0 || n == 0 || c == 0) return gx;
        if (useWinograd(c, o, kh, kw, s) && s.padH() <= 2 && s.padW() <= 2 && Winograd.fits(o, c, w)) {
            // For stride 1 the input gradient is itself a 3x3 convolution: of gradOut with the weight
            // flipped in space and transposed in channels, padded by 2 - pad.
            float[] flipped = flipTranspose(weight, o, c);
            Winograd.forward(gradOut, n, o, g.oh, g.ow, Winograd.transformWeights(flipped, c, o), c, null,
                    2 - s.padH(), 2 - s.padW(), h, w, gx);
            return gx;
        }
        int band = g.bandRows();
        float[] col = new float[g.kSize * band * g.ow];
        for (int grp = 0; grp < s.groups(); grp++) {
            WeightOperand wt = new WeightOperand(true, g.kSize, g.og, weight, grp * g.og * g.kSize, g.kSize,
                    n * ceilDiv(g.oh, band) > 1);
            for (int img = 0; img < n; img++)
                for (int oy0 = 0; oy0 < g.oh; oy0 += band) {
                    int oy1 = Math.min(g.oh, oy0 + band), cols = (oy1 - oy0) * g.ow;
                    wt.gemm(cols, gradOut, (img * o + grp * g.og) * g.plane + oy0 * g.ow, g.plane, col, 0, cols);
                    Im2col.col2imAdd(col, gx, img * c * h * w, grp * g.cg, g.cg, h, w, kh, kw, s, g.ow, oy0, oy1);
                }
        }
        return gx;
    }

    public static float[] backwardWeight(float[] gradOut, float[] x, int n, int c, int h, int w, int o, int kh, int kw,
                                         Conv2dSpec s) {
        Geometry g = Geometry.of("conv2dBackwardWeight", n, c, h, w, o, kh, kw, s);
        g.checkArray("gradOut", gradOut, (long) n * o * g.plane);
        g.checkArray("input", x, (long) n * c * h * w);
        float[] gw = new float[o * g.kSize];
        if (g.plane == 0 || o == 0 || n == 0 || g.kSize == 0) return gw;
        if (useWinograd(c, o, kh, kw, s) && Winograd.fits(c, o, g.ow))
            return WinogradWeightGrad.weightGrad(gradOut, x, n, c, h, w, o, s.padH(), s.padW(), g.oh, g.ow);
        int band = isPointwise(kh, kw, s) ? g.oh : g.bandRows();
        float[] col = isPointwise(kh, kw, s) ? null : new float[g.kSize * band * g.ow];
        for (int grp = 0; grp < s.groups(); grp++) {
            boolean first = true;
            for (int img = 0; img < n; img++)
                for (int oy0 = 0; oy0 < g.oh; oy0 += band) {
                    int oy1 = Math.min(g.oh, oy0 + band), cols = (oy1 - oy0) * g.ow;
                    float[] colMatrix = x;
                    int colOff = (img * c + grp * g.cg) * g.plane, ldCol = g.plane;
                    if (col != null) {
                        Im2col.im2col(x, img * c * h * w, grp * g.cg, g.cg, h, w, kh, kw, s, g.ow, oy0, oy1, col);
                        colMatrix = col;
                        colOff = 0;
                        ldCol = cols;
                    }
                    // gW_g[og x K] (+)= gradOut_g[og x cols] * col^T[cols x K]
                    Sgemm.gemm(false, true, g.og, g.kSize, cols, gradOut, (img * o + grp * g.og) * g.plane + oy0 * g.ow,
                            g.plane, colMatrix, colOff, ldCol, first ? 0f : 1f, gw, grp * g.og * g.kSize, g.kSize);
                    first = false;
                }
        }
        return gw;
    }

    /** True when forward and both gradients go through Winograd F(2x2, 3x3). */
    static boolean useWinograd(int c, int o, int kh, int kw, Conv2dSpec s) {
        return Winograd.applies(kh, kw, s) && c >= WINOGRAD_MIN_CHANNELS && o >= WINOGRAD_MIN_CHANNELS;
    }

    private static boolean isPointwise(int kh, int kw, Conv2dSpec s) {
        return kh == 1 && kw == 1 && s.strideH() == 1 && s.strideW() == 1 && s.padH() == 0 && s.padW() == 0;
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    /**
     * The weight side of the conv GEMMs, op(W) [m x k]: packed once when it is used for several bands
     * or images (the packed GEMM computes exactly as if it packed on the fly, so the bits match).
     */
    private static final class WeightOperand {
        final boolean trans;
        final int m, k, off, ld;
        final float[] w, packed;

        WeightOperand(boolean trans, int m, int k, float[] w, int off, int ld, boolean reused) {
            this.trans = trans;
            this.m = m;
            this.k = k;
            this.w = w;
            this.off = off;
            this.ld = ld;
            long size = PackedGemm.packedSize(m, k);
            if (reused && k > 0 && size <= Integer.MAX_VALUE) {
                packed = new float[(int) size];
                PackedGemm.packAll(trans, m, k, w, off, ld, packed, 0);
            } else {
                packed = null;
            }
        }

        /** C[m x n] = op(W) * B[k x n] (C overwritten). */
        void gemm(int n, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
            long flops = 2L * m * n * k;
            if (packed == null || flops < Sgemm.SIMPLE_FLOPS) {
                Sgemm.gemm(trans, false, m, n, k, w, off, ld, b, bOff, ldb, 0f, c, cOff, ldc);
            } else {
                Sgemm.checkArgs(trans, false, m, n, k, w, off, ld, b, bOff, ldb, c, cOff, ldc);
                int threads = flops < Sgemm.PARALLEL_FLOPS ? 1 : Threads.count();
                PackedGemm.gemm(trans, false, m, n, k, null, 0, 0, packed, 0, b, bOff, ldb, 0f, c, cOff, ldc, threads);
            }
        }
    }

    /** w'[ci][oi][ky][kx] = w[oi][ci][2-ky][2-kx] for a 3x3 kernel. */
    private static float[] flipTranspose(float[] weight, int o, int c) {
        float[] f = new float[weight.length];
        for (int oi = 0; oi < o; oi++)
            for (int ci = 0; ci < c; ci++)
                for (int k = 0; k < 9; k++) f[(ci * o + oi) * 9 + (8 - k)] = weight[(oi * c + ci) * 9 + k];
        return f;
    }

    private static void addBias(float[] out, int off, float[] bias, int o, int plane) {
        for (int oc = 0; oc < o; oc++) {
            float b = bias[oc];
            int base = off + oc * plane;
            for (int p = 0; p < plane; p++) out[base + p] += b;
        }
    }

    /** Validated sizes shared by the three passes. */
    record Geometry(String op, int cg, int og, int oh, int ow, int plane, int kSize) {
        static Geometry of(String op, int n, int c, int h, int w, int o, int kh, int kw, Conv2dSpec s) {
            if (s == null) throw new IllegalArgumentException(op + ": spec is null");
            if (n < 0 || c < 0 || h < 0 || w < 0 || o < 0 || kh < 1 || kw < 1)
                throw new IllegalArgumentException(op + ": bad shape input [" + n + ", " + c + ", " + h + ", " + w
                        + "], weight [" + o + ", ?, " + kh + ", " + kw + "]");
            if (c % s.groups() != 0 || o % s.groups() != 0)
                throw new IllegalArgumentException(op + ": channels in " + c + " and out " + o + " must divide by groups " + s.groups());
            int oh = s.outH(h, kh), ow = s.outW(w, kw);
            if (oh < 1 || ow < 1)
                throw new IllegalArgumentException(op + ": kernel " + kh + "x" + kw + " (dilation " + s.dilationH() + "x"
                        + s.dilationW() + ") is larger than the padded input " + h + "x" + w);
            long plane = (long) oh * ow, kSize = (long) (c / s.groups()) * kh * kw;
            if (plane * kSize > Integer.MAX_VALUE || (long) n * Math.max(c, o) * Math.max(plane, (long) h * w) > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": tensors too large for a Java array (input [" + n + ", " + c + ", " + h + ", " + w + "])");
            return new Geometry(op, c / s.groups(), o / s.groups(), oh, ow, (int) plane, (int) kSize);
        }

        /** Output rows per im2col band, so the column matrix stays near {@link #COL_BAND_FLOATS}. */
        int bandRows() {
            return (int) Math.max(1, Math.min(oh, COL_BAND_FLOATS / Math.max(1L, (long) kSize * ow)));
        }

        void checkArray(String name, float[] a, long needed) {
            if (a == null) throw new IllegalArgumentException(op + ": " + name + " is null");
            if (a.length != needed)
                throw new IllegalArgumentException(op + ": " + name + " has " + a.length + " elements, expected " + needed);
        }
    }
}
