package dev.unitune.tensor.cpu.fast;

/**
 * Weight gradient of a stride-1 3x3 convolution through Winograd F(2x2, 3x3), the transpose of
 * {@link Winograd}'s forward. With U = G g G^T, V = B^T d B, M = sum_c U.V and Y = A^T M A:
 *   dM = A dY A^T                          output-gradient transform (4x4 from each 2x2 tile)
 *   dU[xi] = sum over tiles dM[xi] V[xi]^T 16 GEMMs [O x T] * [T x C], accumulated over chunks and images
 *   dg = G^T dU G                          back to 3x3
 * 2.25x fewer multiplies than the im2col GEMM; the transforms again use only 0, +-1, +-1/2.
 */
final class WinogradWeightGrad {
    private WinogradWeightGrad() {}

    private static final int CHUNK_FLOATS = 1 << 21;

    /** dW [O][C][3][3] of conv(x, W) with padding (padH, padW), given dY [N][O][OH][OW]. */
    static float[] weightGrad(float[] gradOut, float[] x, int n, int c, int h, int w, int o, int padH, int padW,
                              int oh, int ow) {
        return weightGrad(gradOut, x, n, c, h, w, o, padH, padW, oh, ow, CHUNK_FLOATS);
    }

    static float[] weightGrad(float[] gradOut, float[] x, int n, int c, int h, int w, int o, int padH, int padW,
                              int oh, int ow, int chunkFloats) {
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2;
        long perTileRow = 16L * Math.max(c, o) * tilesW;
        int rowsPerChunk = (int) Math.max(1, Math.min(tilesH, chunkFloats / perTileRow));
        int maxT = rowsPerChunk * tilesW;
        float[] v = Scratch.get(Scratch.WINOGRAD_V, 16 * c * maxT);
        float[] dm = Scratch.get(Scratch.WINOGRAD_M, 16 * o * maxT);
        int oc = o * c, total = 16 * oc;
        float[] du = total <= (1 << 25) ? Scratch.get(Scratch.WINOGRAD_U, total) : new float[total];
        boolean first = true;
        for (int img = 0; img < n; img++) {
            for (int ty0 = 0; ty0 < tilesH; ty0 += rowsPerChunk) {
                int ty1 = Math.min(tilesH, ty0 + rowsPerChunk);
                int t = (ty1 - ty0) * tilesW;
                Winograd.inputTransform(x, img * c * h * w, c, h, w, padH, padW, tilesW, ty0, ty1, t, v);
                gradOutTransform(gradOut, img * o * oh * ow, o, oh, ow, tilesW, ty0, ty1, t, dm);
                float beta = first ? 0f : 1f;
                // dU[xi] (+)= dM[xi] [O x t] * V[xi]^T (V[xi] is stored C x t): whole GEMMs per thread.
                Threads.parallelFor(16, xi -> PackedGemm.gemm(false, true, o, c, t, dm, xi * o * t, t,
                        v, xi * c * t, t, beta, du, xi * oc, c, 1));
                first = false;
            }
        }
        return backToSpatial(du, o, c);
    }

    /** dM[xi][oi][tile] = (A dY A^T)[xi] for tile rows [ty0, ty1); outputs past the edge count as 0. */
    private static void gradOutTransform(float[] gy, int gyOff, int o, int oh, int ow, int tilesW, int ty0, int ty1,
                                         int t, float[] dm) {
        int parts = Math.min(o, 4 * Threads.count());
        Threads.parallelFor(parts, part -> {
            for (int oi = o * part / parts, end = o * (part + 1) / parts; oi < end; oi++) {
                int plane = gyOff + oi * oh * ow;
                for (int ty = ty0; ty < ty1; ty++) {
                    int y0 = 2 * ty, col = (ty - ty0) * tilesW;
                    boolean row1 = y0 + 1 < oh;
                    for (int tx = 0; tx < tilesW; tx++) {
                        int x0 = 2 * tx;
                        boolean col1 = x0 + 1 < ow;
                        float d00 = gy[plane + y0 * ow + x0];
                        float d01 = col1 ? gy[plane + y0 * ow + x0 + 1] : 0f;
                        float d10 = row1 ? gy[plane + (y0 + 1) * ow + x0] : 0f;
                        float d11 = row1 && col1 ? gy[plane + (y0 + 1) * ow + x0 + 1] : 0f;
                        // P = A dY (4x2): rows y0, y0 + y1, y0 - y1, -y1.
                        float p00 = d00, p01 = d01, p10 = d00 + d10, p11 = d01 + d11,
                                p20 = d00 - d10, p21 = d01 - d11, p30 = -d10, p31 = -d11;
                        int at = (oi * t) + col + tx;
                        int stride = o * t;
                        // dM = P A^T: each row [a, b] becomes [a, a + b, a - b, -b].
                        putRow(dm, at, stride, 0, p00, p01);
                        putRow(dm, at, stride, 1, p10, p11);
                        putRow(dm, at, stride, 2, p20, p21);
                        putRow(dm, at, stride, 3, p30, p31);
                    }
                }
            }
        });
    }

    private static void putRow(float[] dm, int at, int stride, int i, float a, float b) {
        int base = at + 4 * i * stride;
        dm[base] = a;
        dm[base + stride] = a + b;
        dm[base + 2 * stride] = a - b;
        dm[base + 3 * stride] = -b;
    }

    /** dW[oi][ci] = G^T dU G (3x3 from the 16 values dU[xi][oi][ci]). */
    private static float[] backToSpatial(float[] du, int o, int c) {
        float[] dw = new float[o * c * 9];
        int oc = o * c;
        int parts = Math.min(o, 4 * Threads.count());
        Threads.parallelFor(parts, part -> {
            float[] q = new float[12];
            for (int oi = o * part / parts, end = o * (part + 1) / parts; oi < end; oi++) {
                for (int ci = 0; ci < c; ci++) {
                    int src = oi * c + ci;
                    // Q = G^T dU (3x4): rows u0 + u1/2 + u2/2, (u1 - u2)/2, u1/2 + u2/2 + u3, per column j.
                    for (int j = 0; j < 4; j++) {
                        float u0 = du[j * oc + src], u1 = du[(4 + j) * oc + src], u2 = du[(8 + j) * oc + src],
                                u3 = du[(12 + j) * oc + src];
                        float half = 0.5f * (u1 + u2);
                        q[j] = u0 + half;
                        q[4 + j] = 0.5f * (u1 - u2);
                        q[8 + j] = half + u3;
                    }
                    // dg = Q G (3x3): each row [a, b, c, d] becomes [a + (b+c)/2, (b-c)/2, (b+c)/2 + d].
                    int dst = src * 9;
                    for (int i = 0; i < 3; i++) {
                        float a = q[4 * i], b = q[4 * i + 1], cc = q[4 * i + 2], d = q[4 * i + 3];
                        float half = 0.5f * (b + cc);
                        dw[dst + 3 * i] = a + half;
                        dw[dst + 3 * i + 1] = 0.5f * (b - cc);
                        dw[dst + 3 * i + 2] = half + d;
                    }
                }
            }
        });
        return dw;
    }
}
