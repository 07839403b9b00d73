package dev.unitune.tensor.cpu.fast;

/**
 * Winograd F(2x2, 3x3) for stride-1, dilation-1, groups-1 3x3 convolutions (Lavin & Gray, 2015): each
 * 2x2 output tile costs 16 multiplies per (input, output) channel pair instead of 36, so the GEMM work
 * drops 2.25x. Per tile-chunk of T tiles:
 *   V[xi][c][t] = (B^T d B)[xi]     input transform (4x4 patch d of channel c at tile t)
 *   M[xi]       = U[xi] * V[xi]     16 GEMMs [O x C] * [C x T]   (U[xi][o][c] = (G g G^T)[xi])
 *   y tile      = A^T m A           output transform (2x2 from the 16 values of m), plus bias
 * The transforms use only 0, +-1 and +-1/2, so they add a few roundings per term (measured in
 * WinogradTest against the double reference); the error stays within a few times that of im2col.
 *
 * The input transform works on whole rows of tiles (even/odd columns split first) so its loops are
 * simple array loops; the 16 GEMMs run one per thread at a time.
 * That layer-wide form suits large layers; small ones ({@link WinogradFused#applies}) run all three steps
 * per block of tiles in cache instead ({@link WinogradFused}), with the same arithmetic and bits.
 */
final class Winograd {
    private Winograd() {}

    /** Target floats for each of V and M in one chunk (8 MiB): bounds memory for large images. */
    private static final int CHUNK_FLOATS = 1 << 21;

    static boolean applies(int kh, int kw, dev.unitune.tensor.Conv2dSpec s) {
        return kh == 3 && kw == 3 && s.strideH() == 1 && s.strideW() == 1 && s.dilationH() == 1
                && s.dilationW() == 1 && s.groups() == 1;
    }

    /** False when even one row of tiles would not fit the scratch arrays (then im2col is used). */
    static boolean fits(int c, int o, int ow) {
        return 16L * Math.max(c, o) * ((ow + 1) / 2) <= Integer.MAX_VALUE / 2 && 16 * PackedGemm.packedSize(o, c) <= Integer.MAX_VALUE;
    }

    /**
     * Transformed weights U[16][O][C] from weight [O][C][3][3] (row-major), written straight into the
     * GEMM's packed-A layout (component xi at xi * {@link PackedGemm#packedSize}(O, C)), so the 16 GEMMs
     * skip packing their largest operand. The array is this thread's scratch: it is valid until the
     * thread's next call.
     */
    static float[] transformWeights(float[] weight, int o, int c) {
        long size = PackedGemm.packedSize(o, c);
        if (16 * size > Integer.MAX_VALUE) throw new IllegalArgumentException("conv2d: Winograd weights too large for O=" + o + ", C=" + c);
        // Reused per thread up to 128 MiB: allocating (and page-faulting) ~100 MiB per call of a large
        // layer cost more than the transform itself. Every element the GEMMs read is written below.
        int total = (int) (16 * size);
        float[] u = total <= (1 << 25) ? Scratch.get(Scratch.WINOGRAD_U, total) : new float[total];
        int comp = (int) size, mr = GemmKernel.MR, depth = PackedGemm.sliceDepth(c), mPad = PackedGemm.roundUp(o, mr);
        int panels = PackedGemm.ceilDiv(o, mr);
        // Panel by panel (MR output channels), so each thread writes whole panels (no shared cache lines)
        // and, for each input channel, the MR rows land next to each other in every component.
        int parts = Math.min(panels, 4 * Threads.count());
        // Each (panel, k slice) block is built in a small local buffer, then copied out as 16 contiguous
        // runs. Writing the 16 components directly would touch 16 addresses a multiple of 4 KiB apart for
        // large layers, which all fall in one L1 set and thrash it. The local stride is padded for that reason.
        int stride = depth * mr + 16;
        Threads.parallelFor(parts, part -> {
            float[] t = new float[12];
            float[] block = new float[16 * stride];
            for (int panel = panels * part / parts, endPanel = panels * (part + 1) / parts; panel < endPanel; panel++) {
                for (int pc = 0; pc < c; pc += depth) {
                    int kc = Math.min(depth, c - pc);
                    for (int ci = pc; ci < pc + kc; ci++) {
                        for (int r = 0; r < mr; r++) {
                            int oi = panel * mr + r;
                            int dst = (ci - pc) * mr + r;
                            if (oi >= o) { // padding rows of the last panel: zero in every component
                                for (int xi = 0; xi < 16; xi++) block[xi * stride + dst] = 0f;
                                continue;
                            }
                            int g = (oi * c + ci) * 9;
                            // t = G g (4x3): rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2 applied to each column.
                            for (int j = 0; j < 3; j++) {
                                float g0 = weight[g + j], g1 = weight[g + 3 + j], g2 = weight[g + 6 + j];
                                t[j] = g0;
                                t[3 + j] = 0.5f * (g0 + g1 + g2);
                                t[6 + j] = 0.5f * (g0 - g1 + g2);
                                t[9 + j] = g2;
                            }
                            // U = t G^T (4x4), the same combination along each row.
                            for (int i = 0; i < 4; i++) {
                                float t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2];
                                int at = 4 * i * stride + dst;
                                block[at] = t0;
                                block[at + stride] = 0.5f * (t0 + t1 + t2);
                                block[at + 2 * stride] = 0.5f * (t0 - t1 + t2);
                                block[at + 3 * stride] = t2;
                            }
                        }
                    }
                    int base = pc * mPad + panel * mr * kc; // this panel's block in the k slice starting at pc
                    for (int xi = 0; xi < 16; xi++) System.arraycopy(block, xi * stride, u, xi * comp + base, kc * mr);
                }
            }
        });
        return u;
    }

    /** out[n][o][oh][ow] = conv(x, weight) + bias with the transformed weights u (from {@link #transformWeights}). */
    static void forward(float[] x, int n, int c, int h, int w, float[] u, int o, float[] bias, int padH, int padW,
                        int oh, int ow, float[] out) {
        if (WinogradFused.applies(c, o)) WinogradFused.forward(x, n, c, h, w, u, o, bias, padH, padW, oh, ow, out);
        else forward(x, n, c, h, w, u, o, bias, padH, padW, oh, ow, out, CHUNK_FLOATS);
    }

    /**
     * The layer-wide form: tile rows in chunks of about chunkFloats, 16 GEMMs over each whole chunk (tests
     * use a small chunk to exercise chunking). Small layers go through {@link WinogradFused} instead.
     */
    static void forward(float[] x, int n, int c, int h, int w, float[] u, int o, float[] bias, int padH, int padW,
                        int oh, int ow, float[] out, int chunkFloats) {
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2;
        long perTileRow = 16L * Math.max(c, o) * tilesW;
        int rowsPerChunk = (int) Math.max(1, Math.min(tilesH, chunkFloats / perTileRow));
        int maxT = rowsPerChunk * tilesW;
        float[] v = Scratch.get(Scratch.WINOGRAD_V, 16 * c * maxT);
        float[] m = Scratch.get(Scratch.WINOGRAD_M, 16 * o * maxT);
        int uSize = (int) PackedGemm.packedSize(o, c);
        for (int img = 0; img < n; img++) {
            int xOff = img * c * h * w, outOff = img * o * oh * ow;
            for (int ty0 = 0; ty0 < tilesH; ty0 += rowsPerChunk) {
                int ty1 = Math.min(tilesH, ty0 + rowsPerChunk);
                int t = (ty1 - ty0) * tilesW;
                inputTransform(x, xOff, c, h, w, padH, padW, tilesW, ty0, ty1, t, v);
                // 16 independent GEMMs: whole GEMMs per thread (16 divides evenly over 2, 4, 8, 16 threads).
                Threads.parallelFor(16, xi -> PackedGemm.gemm(false, false, o, t, c, null, 0, 0, u, xi * uSize,
                        v, xi * c * t, t, 0f, m, xi * o * t, t, 1));
                outputTransform(m, o, t, tilesW, ty0, ty1, bias, oh, ow, out, outOff);
            }
        }
    }

    /** V[xi][ci][tile] for tile rows [ty0, ty1) of one image; ld of each component row is t. */
    static void inputTransform(float[] x, int xOff, int c, int h, int w, int padH, int padW, int tilesW,
                                       int ty0, int ty1, int t, float[] v) {
        int parts = Math.min(c, 4 * Threads.count());
        int half = tilesW + 1; // even/odd columns of the padded tile row: 2*tilesW + 2 columns in all
        Threads.parallelFor(parts, part -> {
            float[][] ev = new float[4][half], od = new float[4][half];
            float[] e0 = new float[half], o0 = new float[half], e1 = new float[half], o1 = new float[half],
                    e2 = new float[half], o2 = new float[half], e3 = new float[half], o3 = new float[half];
            float[][] ve = {e0, e1, e2, e3}, vo = {o0, o1, o2, o3};
            for (int ci = c * part / parts, end = c * (part + 1) / parts; ci < end; ci++) {
                int plane = xOff + ci * h * w;
                for (int ty = ty0; ty < ty1; ty++) {
                    // The 4 input rows of this tile row, split into even and odd padded columns.
                    for (int r = 0; r < 4; r++) {
                        int iy = 2 * ty - padH + r;
                        float[] er = ev[r], orr = od[r];
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(er, 0f);
                            java.util.Arrays.fill(orr, 0f);
                            continue;
                        }
                        int row = plane + iy * w;
                        for (int j = 0; j < half; j++) {
                            int ix = 2 * j - padW;
                            er[j] = ix >= 0 && ix < w ? x[row + ix] : 0f;
                            orr[j] = ix + 1 >= 0 && ix + 1 < w ? x[row + ix + 1] : 0f;
                        }
                    }
                    // Vertical B^T: rows d0-d2, d1+d2, d2-d1, d1-d3 (elementwise along the row).
                    verticalInput(ev, ve, half);
                    verticalInput(od, vo, half);
                    // Horizontal B: for tile tx the columns are even[tx], odd[tx], even[tx+1], odd[tx+1].
                    int col = (ty - ty0) * tilesW;
                    for (int i = 0; i < 4; i++) {
                        float[] e = ve[i], od2 = vo[i];
                        int b0 = ((4 * i) * c + ci) * t + col, b1 = ((4 * i + 1) * c + ci) * t + col,
                                b2 = ((4 * i + 2) * c + ci) * t + col, b3 = ((4 * i + 3) * c + ci) * t + col;
                        for (int tx = 0; tx < tilesW; tx++) {
                            float a0 = e[tx], a1 = od2[tx], a2 = e[tx + 1], a3 = od2[tx + 1];
                            v[b0 + tx] = a0 - a2;
                            v[b1 + tx] = a1 + a2;
                            v[b2 + tx] = a2 - a1;
                            v[b3 + tx] = a1 - a3;
                        }
                    }
                }
            }
        });
    }

    private static void verticalInput(float[][] d, float[][] out, int len) {
        float[] d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
        float[] r0 = out[0], r1 = out[1], r2 = out[2], r3 = out[3];
        for (int j = 0; j < len; j++) {
            r0[j] = d0[j] - d2[j];
            r1[j] = d1[j] + d2[j];
            r2[j] = d2[j] - d1[j];
            r3[j] = d1[j] - d3[j];
        }
    }

    /** From M[xi][o][tile] (ld t) to output rows of tile rows [ty0, ty1), adding bias. */
    private static void outputTransform(float[] m, int o, int t, int tilesW, int ty0, int ty1, float[] bias,
                                        int oh, int ow, float[] out, int outOff) {
        int parts = Math.min(o, 4 * Threads.count());
        Threads.parallelFor(parts, part -> {
            float[] s0 = new float[4 * tilesW], s1 = new float[4 * tilesW];
            for (int oi = o * part / parts, end = o * (part + 1) / parts; oi < end; oi++) {
                float b = bias == null ? 0f : bias[oi];
                int plane = outOff + oi * oh * ow;
                for (int ty = ty0; ty < ty1; ty++) {
                    int col = (ty - ty0) * tilesW;
                    // Vertical A^T: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3, for each of the 4 columns j.
                    for (int j = 0; j < 4; j++) {
                        int q0 = (j * o + oi) * t + col, q1 = ((4 + j) * o + oi) * t + col,
                                q2 = ((8 + j) * o + oi) * t + col, q3 = ((12 + j) * o + oi) * t + col;
                        int d = j * tilesW;
                        for (int tx = 0; tx < tilesW; tx++) {
                            float m0 = m[q0 + tx], m1 = m[q1 + tx], m2 = m[q2 + tx], m3 = m[q3 + tx];
                            s0[d + tx] = m0 + m1 + m2;
                            s1[d + tx] = m1 - m2 - m3;
                        }
                    }
                    int y = 2 * ty;
                    horizontalOutput(s0, tilesW, b, out, plane + y * ow, ow);
                    if (y + 1 < oh) horizontalOutput(s1, tilesW, b, out, plane + (y + 1) * ow, ow);
                }
            }
        });
    }

    /** Row of outputs from one vertical result s[j*tilesW + tx]: y0 = s0+s1+s2, y1 = s1-s2-s3. */
    private static void horizontalOutput(float[] s, int tilesW, float bias, float[] out, int row, int ow) {
        int full = ow / 2;
        int a = 0, b = tilesW, c = 2 * tilesW, d = 3 * tilesW;
        for (int tx = 0; tx < full; tx++) {
            out[row + 2 * tx] = s[a + tx] + s[b + tx] + s[c + tx] + bias;
            out[row + 2 * tx + 1] = s[b + tx] - s[c + tx] - s[d + tx] + bias;
        }
        if (ow % 2 == 1) out[row + 2 * full] = s[a + full] + s[b + full] + s[c + full] + bias;
    }
}
