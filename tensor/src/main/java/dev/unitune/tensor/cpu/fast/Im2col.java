package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;

import java.util.Arrays;

/**
 * im2col / col2im for one image, one channel group and a band of output rows [oy0, oy1). The column
 * matrix has rows (c, ky, kx) and columns (oy - oy0, ox), row-major with leading dimension
 * (oy1 - oy0) * ow: col[((c*kh + ky)*kw + kx) * ld + (oy-oy0)*ow + ox]. Padding reads as zero.
 * Both split their channels over the shared pool; every channel is written by exactly one part.
 */
final class Im2col {
    private Im2col() {}

    /** Channels per parallel part: enough copying to be worth a hand-off. */
    private static final int MIN_FLOATS_PER_PART = 1 << 15;

    /** Fills col from channels [c0, c0+cg) of one image x (offset xOff, layout [C, H, W]). */
    static void im2col(float[] x, int xOff, int c0, int cg, int h, int w, int kh, int kw, Conv2dSpec s,
                       int ow, int oy0, int oy1, float[] col) {
        int ld = (oy1 - oy0) * ow;
        forChannels(cg, (long) kh * kw * ld, c -> {
            int xc = xOff + (c0 + c) * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((c * kh + ky) * kw + kx) * ld;
                    int dx = kx * s.dilationW() - s.padW();
                    int oxLo = validLo(dx, s.strideW(), ow), oxHi = validHi(dx, s.strideW(), w, ow, oxLo);
                    for (int oy = oy0; oy < oy1; oy++) {
                        int iy = oy * s.strideH() + ky * s.dilationH() - s.padH();
                        int dst = row + (oy - oy0) * ow;
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = xc + iy * w + dx;
                        if (oxLo > 0) Arrays.fill(col, dst, dst + oxLo, 0f);
                        if (s.strideW() == 1) {
                            System.arraycopy(x, src + oxLo, col, dst + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) col[dst + ox] = x[src + ox * s.strideW()];
                        }
                        if (oxHi < ow) Arrays.fill(col, dst + oxHi, dst + ow, 0f);
                    }
                }
            }
        });
    }

    /** Adds col (layout as above) into channels [c0, c0+cg) of one image gradient gx; padding is dropped. */
    static void col2imAdd(float[] col, float[] gx, int gxOff, int c0, int cg, int h, int w, int kh, int kw,
                          Conv2dSpec s, int ow, int oy0, int oy1) {
        int ld = (oy1 - oy0) * ow;
        forChannels(cg, (long) kh * kw * ld, c -> {
            int gc = gxOff + (c0 + c) * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = ((c * kh + ky) * kw + kx) * ld;
                    int dx = kx * s.dilationW() - s.padW();
                    int oxLo = validLo(dx, s.strideW(), ow), oxHi = validHi(dx, s.strideW(), w, ow, oxLo);
                    for (int oy = oy0; oy < oy1; oy++) {
                        int iy = oy * s.strideH() + ky * s.dilationH() - s.padH();
                        if (iy < 0 || iy >= h) continue;
                        int src = row + (oy - oy0) * ow;
                        int dst = gc + iy * w + dx;
                        if (s.strideW() == 1) {
                            for (int ox = oxLo; ox < oxHi; ox++) gx[dst + ox] += col[src + ox];
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) gx[dst + ox * s.strideW()] += col[src + ox];
                        }
                    }
                }
            }
        });
    }

    /** First ox whose input column ox*stride + dx is >= 0. */
    private static int validLo(int dx, int stride, int ow) {
        return Math.max(0, Math.min(ow, ceilDiv(-dx, stride)));
    }

    /** One past the last ox whose input column is < w. */
    private static int validHi(int dx, int stride, int w, int ow, int lo) {
        return Math.max(lo, Math.min(ow, ceilDiv(w - dx, stride)));
    }

    static int ceilDiv(int a, int b) { return -Math.floorDiv(-a, b); }

    interface ChannelBody { void run(int c); }

    private static void forChannels(int channels, long floatsPerChannel, ChannelBody body) {
        int parts = (int) Math.min(channels, Math.min(4L * Threads.count(),
                Math.max(1, channels * floatsPerChannel / MIN_FLOATS_PER_PART)));
        if (parts <= 1) {
            for (int c = 0; c < channels; c++) body.run(c);
            return;
        }
        Threads.parallelFor(parts, p -> {
            for (int c = channels * p / parts, end = channels * (p + 1) / parts; c < end; c++) body.run(c);
        });
    }
}
