package dev.unitune.tensor.cpu.fast;

import dev.unitune.tensor.Conv2dSpec;

import java.util.SplittableRandom;

/** Double-precision reference loops and test data for the fast kernels' tests. */
final class Naive {
    private Naive() {}

    static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    /** C = op(A) op(B) + beta C in double; also returns sum |a||b| + |beta c| per element in bound. */
    static double[] gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                         float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, double[] bound) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    abs += Math.abs(av * bv);
                }
                if (beta != 0) {
                    s += (double) beta * c[cOff + i * ldc + j];
                    abs += Math.abs((double) beta * c[cOff + i * ldc + j]);
                }
                out[i * n + j] = s;
                bound[i * n + j] = abs;
            }
        }
        return out;
    }

    /** Direct conv2d in double, PyTorch semantics. */
    static double[] conv2d(float[] x, int n, int c, int h, int w, float[] wt, int o, int kh, int kw, float[] bias, Conv2dSpec s) {
        int oh = s.outH(h, kh), ow = s.outW(w, kw), cg = c / s.groups(), og = o / s.groups();
        double[] out = new double[n * o * oh * ow];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = bias == null ? 0 : bias[oc];
                        for (int ci = 0; ci < cg; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                                    int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    sum += (double) x[((img * c + grp * cg + ci) * h + iy) * w + ix]
                                            * wt[((oc * cg + ci) * kh + ky) * kw + kx];
                                }
                        out[((img * o + oc) * oh + oy) * ow + ox] = sum;
                    }
            }
        return out;
    }

    /** Gradient of sum(gradOut * conv(x)) w.r.t. x, in double. */
    static double[] conv2dBackwardInput(float[] go, int n, int c, int h, int w, float[] wt, int o, int kh, int kw, Conv2dSpec s) {
        int oh = s.outH(h, kh), ow = s.outW(w, kw), cg = c / s.groups(), og = o / s.groups();
        double[] gx = new double[n * c * h * w];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double g = go[((img * o + oc) * oh + oy) * ow + ox];
                        for (int ci = 0; ci < cg; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                                    int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    gx[((img * c + grp * cg + ci) * h + iy) * w + ix] += g * wt[((oc * cg + ci) * kh + ky) * kw + kx];
                                }
                    }
            }
        return gx;
    }

    /** Gradient of sum(gradOut * conv(x)) w.r.t. the weight, in double. */
    static double[] conv2dBackwardWeight(float[] go, float[] x, int n, int c, int h, int w, int o, int kh, int kw, Conv2dSpec s) {
        int oh = s.outH(h, kh), ow = s.outW(w, kw), cg = c / s.groups(), og = o / s.groups();
        double[] gw = new double[o * cg * kh * kw];
        for (int img = 0; img < n; img++)
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double g = go[((img * o + oc) * oh + oy) * ow + ox];
                        for (int ci = 0; ci < cg; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                                    int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    gw[((oc * cg + ci) * kh + ky) * kw + kx] += g * x[((img * c + grp * cg + ci) * h + iy) * w + ix];
                                }
                    }
            }
        return gw;
    }
}
