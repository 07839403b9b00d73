package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.NormGrads;
import dev.unitune.tensor.NormResult;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.VecKernels;

/**
 * Group norm and layer norm, forward and backward (PyTorch semantics: biased variance, eps inside the
 * square root). Both are "normalise each row of a [rows, cols] matrix, then scale/shift": group norm rows
 * are (n, group) with cols = C/G * spatial and a per-channel affine; layer norm rows are the leading dims
 * with a per-column affine. F32 forward normalises with {@link VecKernels#normalizeRows}; F64 and every
 * backward pass compute in double. Saved statistics are F32 (F64 when x is F64, so the double engine
 * stays exact).
 */
final class NormKernels {
    private NormKernels() {}

    private static void checkParam(String op, String name, Tensor p, Tensor x, int[] wantShape) {
        if (p == null) return;
        if (p.dtype() != x.dtype()) throw new IllegalArgumentException(op + ": " + name + " dtype " + p.dtype().id() + " differs from x " + x.dtype().id());
        if (!java.util.Arrays.equals(p.shape(), wantShape))
            throw new IllegalArgumentException(op + ": " + name + " " + Shape.str(p.shape()) + " must be " + Shape.str(wantShape) + " for x " + Shape.str(x.shape()));
    }

    static NormResult groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps) {
        if (x.rank() < 2) throw new IllegalArgumentException("groupNorm needs x of rank >= 2 [N, C, ...], got " + Shape.str(x.shape()));
        int n = x.dim(0), c = x.dim(1);
        if (groups < 1 || c % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + c + " channels of x " + Shape.str(x.shape()) + " do not split into " + groups + " groups");
        checkParam("groupNorm", "weight", weight, x, new int[]{c});
        checkParam("groupNorm", "bias", bias, x, new int[]{c});
        int spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        int cpg = c / groups;
        return normalize("groupNorm", x, weight, bias, eps, n * groups, groups, cpg, spatial, new int[]{n, groups});
    }

    static NormResult layerNorm(Tensor x, int dims, Tensor weight, Tensor bias, double eps) {
        if (dims < 1 || dims > x.rank())
            throw new IllegalArgumentException("layerNorm: normalizedDims " + dims + " invalid for x " + Shape.str(x.shape()));
        int[] s = x.shape();
        int[] normShape = java.util.Arrays.copyOfRange(s, s.length - dims, s.length);
        int[] lead = java.util.Arrays.copyOf(s, s.length - dims);
        checkParam("layerNorm", "weight", weight, x, normShape);
        checkParam("layerNorm", "bias", bias, x, normShape);
        int cols = Shape.numel(normShape), rows = Shape.numel(lead);
        return normalize("layerNorm", x, weight, bias, eps, rows, 1, cols, 1, lead);
    }

    /** Row r holds channels (r % groups) * cpg .. + cpg, each spanning `spatial` consecutive values. */
    private static NormResult normalize(String op, Tensor x, Tensor weight, Tensor bias, double eps, int rows, int groups, int cpg,
                                        int spatial, int[] statShape) {
        DType dt = x.dtype();
        int cols = cpg * spatial;
        if (!dt.isFloating()) throw new IllegalArgumentException(op + " needs a float tensor, got " + dt.id());
        if (!(eps >= 0)) throw new IllegalArgumentException(op + ": eps must be >= 0, got " + eps);
        if (cols == 0 && rows > 0) throw new IllegalArgumentException(op + ": rows of x " + Shape.str(x.shape()) + " are empty");
        int[] shape = x.shape();
        if (dt == DType.F64) {
            double[] v = HostArrays.doubles(x), y = new double[v.length], mean = new double[rows], rstd = new double[rows];
            double[] w = weight == null ? null : HostArrays.doubles(weight), b = bias == null ? null : HostArrays.doubles(bias);
            ElementwiseKernels.parallelRange(rows, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int o = r * cols;
                    double m = 0;
                    for (int j = 0; j < cols; j++) m += v[o + j];
                    m /= cols;
                    double ss = 0;
                    for (int j = 0; j < cols; j++) { double d = v[o + j] - m; ss += d * d; }
                    double rs = 1.0 / Math.sqrt(ss / cols + eps);
                    mean[r] = m;
                    rstd[r] = rs;
                    for (int ci = 0, c0 = (r % groups) * cpg; ci < cpg; ci++) {
                        double wc = w == null ? 1 : w[c0 + ci], bc = b == null ? 0 : b[c0 + ci];
                        for (int i = o + ci * spatial, e = i + spatial; i < e; i++) y[i] = (v[i] - m) * rs * wc + bc;
                    }
                }
            });
            return new NormResult(HostArrays.wrap(y, dt, shape), HostArrays.wrap(mean, dt, statShape), HostArrays.wrap(rstd, dt, statShape));
        }
        float[] v = HostArrays.floats(x), y = new float[v.length], mean = new float[rows], rstd = new float[rows];
        if (rows > 0) VecKernels.normalizeRows(v, 0, y, 0, rows, cols, eps, mean, rstd);
        if (weight != null || bias != null) {
            float[] w = weight == null ? null : HostArrays.floats(weight), b = bias == null ? null : HostArrays.floats(bias);
            ElementwiseKernels.parallelRange(rows, (r0, r1) -> {
                for (int r = r0; r < r1; r++)
                    for (int ci = 0, c0 = (r % groups) * cpg; ci < cpg; ci++) {
                        float wc = w == null ? 1f : w[c0 + ci], bc = b == null ? 0f : b[c0 + ci];
                        for (int i = r * cols + ci * spatial, e = i + spatial; i < e; i++) y[i] = y[i] * wc + bc;
                    }
            });
        }
        return new NormResult(HostArrays.fromFloats(y, dt, shape), HostArrays.wrap(mean, DType.F32, statShape),
                HostArrays.wrap(rstd, DType.F32, statShape));
    }

    static NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int groups) {
        if (x.rank() < 2) throw new IllegalArgumentException("groupNormBackward needs x of rank >= 2, got " + Shape.str(x.shape()));
        int n = x.dim(0), c = x.dim(1);
        if (groups < 1 || c % groups != 0)
            throw new IllegalArgumentException("groupNormBackward: " + c + " channels do not split into " + groups + " groups");
        checkParam("groupNormBackward", "weight", weight, x, new int[]{c});
        int spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        int cpg = c / groups;
        return normBackward("groupNormBackward", gradOut, x, mean, rstd, weight, n * groups, groups, cpg, spatial, new int[]{c});
    }

    static NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int dims) {
        if (dims < 1 || dims > x.rank())
            throw new IllegalArgumentException("layerNormBackward: normalizedDims " + dims + " invalid for x " + Shape.str(x.shape()));
        int[] s = x.shape();
        int[] normShape = java.util.Arrays.copyOfRange(s, s.length - dims, s.length);
        checkParam("layerNormBackward", "weight", weight, x, normShape);
        int cols = Shape.numel(normShape), rows = cols == 0 ? 0 : x.numel() / cols;
        return normBackward("layerNormBackward", gradOut, x, mean, rstd, weight, rows, 1, cols, 1, normShape);
    }

    /**
     * With xhat = (x - mean) * rstd and g = gradOut * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
     * per row; dweight[c] = sum gradOut * xhat and dbias[c] = sum gradOut over every element of channel c.
     * Weight and bias gradients are returned when weight is given (an affine norm), else both are null.
     * Row r holds channels (r % groups) * cpg .. + cpg, each spanning `spatial` consecutive values (layer
     * norm: one group, cpg = cols, spatial = 1), so the loops below need no per-element index arithmetic.
     */
    private static NormGrads normBackward(String op, Tensor gradOut, Tensor x, Tensor meanT, Tensor rstdT, Tensor weight,
                                          int rows, int groups, int cpg, int spatial, int[] paramShape) {
        DType dt = x.dtype();
        int cols = cpg * spatial, channels = groups * cpg;
        if (!dt.isFloating()) throw new IllegalArgumentException(op + " needs float tensors, got " + dt.id());
        if (!gradOut.sameShape(x)) throw new IllegalArgumentException(op + ": gradOut " + Shape.str(gradOut.shape()) + " differs from x " + Shape.str(x.shape()));
        if (meanT.numel() != rows || rstdT.numel() != rows)
            throw new IllegalArgumentException(op + ": mean " + Shape.str(meanT.shape()) + " / rstd " + Shape.str(rstdT.shape()) + " need " + rows + " elements");
        double[] gy = HostArrays.doubles(gradOut), xv = HostArrays.doubles(x), mean = HostArrays.doubles(meanT), rstd = HostArrays.doubles(rstdT);
        double[] w = weight == null ? null : HostArrays.doubles(weight);
        double[] dx = new double[xv.length];
        ElementwiseKernels.parallelRange(rows, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols, c0 = (r % groups) * cpg;
                double m = mean[r], rs = rstd[r], sg = 0, sgx = 0;
                for (int ci = 0; ci < cpg; ci++) {
                    double wc = w == null ? 1 : w[c0 + ci];
                    for (int i = o + ci * spatial, e = i + spatial; i < e; i++) {
                        double g = gy[i] * wc;
                        sg += g;
                        sgx += g * (xv[i] - m) * rs;
                    }
                }
                double mg = sg / cols, mgx = sgx / cols;
                for (int ci = 0; ci < cpg; ci++) {
                    double wc = w == null ? 1 : w[c0 + ci];
                    for (int i = o + ci * spatial, e = i + spatial; i < e; i++)
                        dx[i] = rs * (gy[i] * wc - mg - (xv[i] - m) * rs * mgx);
                }
            }
        });
        Tensor gx = HostArrays.fromDoubles(dx, dt, x.shape());
        if (weight == null) return new NormGrads(gx, null, null);
        double[] dw = new double[channels], db = new double[channels];
        for (int r = 0; r < rows; r++) { // sequential: channel sums in a fixed order
            int o = r * cols, c0 = (r % groups) * cpg;
            double m = mean[r], rs = rstd[r];
            for (int ci = 0; ci < cpg; ci++) {
                double sw = 0, sb = 0;
                for (int i = o + ci * spatial, e = i + spatial; i < e; i++) {
                    sw += gy[i] * (xv[i] - m) * rs;
                    sb += gy[i];
                }
                dw[c0 + ci] += sw;
                db[c0 + ci] += sb;
            }
        }
        return new NormGrads(gx, HostArrays.fromDoubles(dw, dt, paramShape), HostArrays.fromDoubles(db, dt, paramShape));
    }
}
