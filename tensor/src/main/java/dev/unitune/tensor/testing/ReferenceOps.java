package dev.unitune.tensor.testing;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.MathFunctions;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.UnaryOp;

/**
 * Naive double-precision reference implementations of the Backend ops, written as the textbook formula
 * over multi-indices, with no attempt at speed. Independent of every backend (the CPU backend included):
 * they share only the scalar functions of {@link MathFunctions} (erf), which are tested on their own.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    public static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> x > 0 ? 1 : x < 0 ? -1 : x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case RECIPROCAL -> 1 / x;
            case SQUARE -> x * x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> x > 0 ? x : 0;
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> 0.5 * x * (1 + MathFunctions.erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case ERF -> MathFunctions.erf(x);
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
            case ROUND -> Math.rint(x);
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
            case NOT -> x == 0 ? 1 : 0;
        };
    }

    public static double binary(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MIN -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case POW -> Math.pow(a, b);
            case ATAN2 -> Math.atan2(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case AND -> a != 0 && b != 0 ? 1 : 0;
            case OR -> a != 0 || b != 0 ? 1 : 0;
        };
    }

    public static Dense map(Dense x, java.util.function.DoubleUnaryOperator f) {
        double[] o = new double[x.numel()];
        for (int i = 0; i < o.length; i++) o[i] = f.applyAsDouble(x.v()[i]);
        return new Dense(x.shape(), o);
    }

    /** Value of x at the output multi-index under NumPy broadcasting (x's dims aligned to the right). */
    public static double broadcastAt(Dense x, int[] outIdx) {
        int lead = outIdx.length - x.rank();
        int f = 0;
        for (int d = 0; d < x.rank(); d++) f = f * x.shape()[d] + (x.shape()[d] == 1 ? 0 : outIdx[lead + d]);
        return x.v()[f];
    }

    public static Dense binary(BinaryOp op, Dense a, Dense b) {
        Dense out = Dense.zeros(Shape.broadcast(a.shape(), b.shape()));
        for (int i = 0; i < out.numel(); i++) {
            int[] idx = out.index(i);
            out.v()[i] = binary(op, broadcastAt(a, idx), broadcastAt(b, idx));
        }
        return out;
    }

    public static Dense where(Dense c, Dense a, Dense b) {
        Dense out = Dense.zeros(Shape.broadcast(c.shape(), a.shape(), b.shape()));
        for (int i = 0; i < out.numel(); i++) {
            int[] idx = out.index(i);
            out.v()[i] = broadcastAt(c, idx) != 0 ? broadcastAt(a, idx) : broadcastAt(b, idx);
        }
        return out;
    }

    // ---- reductions ----------------------------------------------------------------------------------

    private static boolean[] reducedMask(int rank, int[] axes) {
        boolean[] r = new boolean[rank];
        if (axes.length == 0) java.util.Arrays.fill(r, true);
        for (int a : axes) r[Shape.axis(a, rank)] = true;
        return r;
    }

    private static int[] keptShape(int[] shape, boolean[] red, boolean keep) {
        int n = 0;
        for (int d = 0; d < shape.length; d++) if (keep || !red[d]) n++;
        int[] s = new int[n];
        for (int d = 0, j = 0; d < shape.length; d++) if (keep) s[j++] = red[d] ? 1 : shape[d]; else if (!red[d]) s[j++] = shape[d];
        return s;
    }

    /** For each output element, the list of input flat indices reduced into it, in input order. */
    private static int[][] groups(Dense x, boolean[] red, int[] outShape) {
        Dense out = Dense.zeros(outShape);
        int[] count = new int[out.numel()];
        int[] target = new int[x.numel()];
        for (int i = 0; i < x.numel(); i++) {
            int[] idx = x.index(i);
            int f = 0;
            for (int d = 0; d < idx.length; d++) if (!red[d]) f = f * x.shape()[d] + idx[d];
            target[i] = f;
            count[f]++;
        }
        int[][] g = new int[out.numel()][];
        for (int o = 0; o < g.length; o++) g[o] = new int[count[o]];
        int[] fill = new int[out.numel()];
        for (int i = 0; i < x.numel(); i++) g[target[i]][fill[target[i]]++] = i;
        return g;
    }

    public static Dense reduce(ReduceOp op, Dense x, int[] axes, boolean keep) {
        boolean[] red = reducedMask(x.rank(), axes);
        int[] os = keptShape(x.shape(), red, keep);
        int[][] g = groups(x, red, keptShape(x.shape(), red, false));
        double[] o = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double acc = switch (op) { case SUM, MEAN -> 0; case PROD -> 1; case MAX -> Double.NEGATIVE_INFINITY; case MIN -> Double.POSITIVE_INFINITY; };
            for (int j : g[i]) {
                double v = x.v()[j];
                acc = switch (op) {
                    case SUM, MEAN -> acc + v;
                    case PROD -> acc * v;
                    case MAX -> Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v);
                    case MIN -> Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.min(acc, v);
                };
            }
            o[i] = op == ReduceOp.MEAN ? acc / g[i].length : acc;
        }
        return new Dense(os, o);
    }

    /** Sum of |x| over each reduction group: the magnitude term of the summation error bound. */
    public static Dense absSum(Dense x, int[] axes, boolean keep) { return reduce(ReduceOp.SUM, map(x, Math::abs), axes, keep); }

    public static Dense argmax(Dense x, int axis, boolean keep) {
        boolean[] red = reducedMask(x.rank(), new int[]{axis});
        int[][] g = groups(x, red, keptShape(x.shape(), red, false));
        double[] o = new double[g.length];
        int ax = Shape.axis(axis, x.rank());
        for (int i = 0; i < g.length; i++) {
            int best = g[i][0];
            for (int j : g[i]) if (x.v()[j] > x.v()[best]) best = j;
            o[i] = x.index(best)[ax];
        }
        return new Dense(keptShape(x.shape(), red, keep), o);
    }

    public static Dense variance(Dense x, int[] axes, int correction, boolean keep) {
        boolean[] red = reducedMask(x.rank(), axes);
        int[][] g = groups(x, red, keptShape(x.shape(), red, false));
        double[] o = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double m = 0;
            for (int j : g[i]) m += x.v()[j];
            m /= g[i].length;
            double s = 0;
            for (int j : g[i]) s += (x.v()[j] - m) * (x.v()[j] - m);
            o[i] = s / (g[i].length - correction);
        }
        return new Dense(keptShape(x.shape(), red, keep), o);
    }

    // ---- matmul -------------------------------------------------------------------------------------------

    /** Returns {product, sum of |a_ik b_kj|} with batch broadcasting. */
    public static Dense[] matmul(Dense a, Dense b, boolean ta, boolean tb) {
        int m = ta ? a.dim(-1) : a.dim(-2), k = ta ? a.dim(-2) : a.dim(-1), n = tb ? b.dim(-2) : b.dim(-1);
        int[] ba = java.util.Arrays.copyOf(a.shape(), a.rank() - 2), bb = java.util.Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch = Shape.broadcast(ba, bb);
        int[] os = java.util.Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        Dense out = Dense.zeros(os), mag = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] idx = out.index(f);
            int i = idx[batch.length], j = idx[batch.length + 1];
            double s = 0, s2 = 0;
            for (int kk = 0; kk < k; kk++) {
                int[] ia = batchIndex(a, idx, batch.length, ta ? kk : i, ta ? i : kk);
                int[] ib = batchIndex(b, idx, batch.length, tb ? j : kk, tb ? kk : j);
                double p = a.at(ia) * b.at(ib);
                s += p;
                s2 += Math.abs(p);
            }
            out.v()[f] = s;
            mag.v()[f] = s2;
        }
        return new Dense[]{out, mag};
    }

    private static int[] batchIndex(Dense x, int[] outIdx, int nb, int r, int c) {
        int[] idx = new int[x.rank()];
        int lead = nb - (x.rank() - 2);
        for (int d = 0; d < x.rank() - 2; d++) idx[d] = x.shape()[d] == 1 ? 0 : outIdx[lead + d];
        idx[x.rank() - 2] = r;
        idx[x.rank() - 1] = c;
        return idx;
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    /** {out, sum |x w| (+|bias|)}: out[n,o,y,x] = bias[o] + sum_{c in group, ky, kx} in[n,c,y*s-p+ky*d, x*s-p+kx*d] w[o,c',ky,kx]. */
    public static Dense[] conv2d(Dense x, Dense w, Dense bias, Conv2dSpec s) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        int oh = s.outH(h, kh), ow = s.outW(wd, kw), og = o / s.groups();
        Dense out = Dense.zeros(n, o, oh, ow), mag = Dense.zeros(n, o, oh, ow);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f);
            int g = id[1] / og;
            double acc = bias == null ? 0 : bias.v()[id[1]], am = Math.abs(acc);
            for (int ci = 0; ci < cg; ci++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int iy = id[2] * s.strideH() - s.padH() + ky * s.dilationH(), ix = id[3] * s.strideW() - s.padW() + kx * s.dilationW();
                        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                        double p = x.at(id[0], g * cg + ci, iy, ix) * w.at(id[1], ci, ky, kx);
                        acc += p;
                        am += Math.abs(p);
                    }
            out.v()[f] = acc;
            mag.v()[f] = am;
        }
        return new Dense[]{out, mag};
    }

    /** {dL/dx, magnitude}: for each input pixel, the sum over every (output, tap) that read it. */
    public static Dense[] conv2dBackwardInput(Dense gy, Dense w, int[] xShape, Conv2dSpec s) {
        int c = xShape[1], h = xShape[2], wd = xShape[3], o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        int oh = gy.dim(2), ow = gy.dim(3), og = o / s.groups();
        Dense gx = Dense.zeros(xShape), mag = Dense.zeros(xShape);
        for (int f = 0; f < gx.numel(); f++) {
            int[] id = gx.index(f);
            int g = id[1] / cg, ci = id[1] % cg;
            double acc = 0, am = 0;
            for (int oc = g * og; oc < (g + 1) * og; oc++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int ny = id[2] + s.padH() - ky * s.dilationH(), nx = id[3] + s.padW() - kx * s.dilationW();
                        if (ny < 0 || nx < 0 || ny % s.strideH() != 0 || nx % s.strideW() != 0) continue;
                        int oy = ny / s.strideH(), ox = nx / s.strideW();
                        if (oy >= oh || ox >= ow) continue;
                        double p = gy.at(id[0], oc, oy, ox) * w.at(oc, ci, ky, kx);
                        acc += p;
                        am += Math.abs(p);
                    }
            gx.v()[f] = acc;
            mag.v()[f] = am;
        }
        return new Dense[]{gx, mag};
    }

    public static Dense[] conv2dBackwardWeight(Dense gy, Dense x, int[] wShape, Conv2dSpec s) {
        int n = x.dim(0), h = x.dim(2), wd = x.dim(3), o = wShape[0], cg = wShape[1];
        int oh = gy.dim(2), ow = gy.dim(3), og = o / s.groups();
        Dense gw = Dense.zeros(wShape), mag = Dense.zeros(wShape);
        for (int f = 0; f < gw.numel(); f++) {
            int[] id = gw.index(f);
            int g = id[0] / og;
            double acc = 0, am = 0;
            for (int ni = 0; ni < n; ni++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int iy = oy * s.strideH() - s.padH() + id[2] * s.dilationH(), ix = ox * s.strideW() - s.padW() + id[3] * s.dilationW();
                        if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                        double p = gy.at(ni, id[0], oy, ox) * x.at(ni, g * cg + id[1], iy, ix);
                        acc += p;
                        am += Math.abs(p);
                    }
            gw.v()[f] = acc;
            mag.v()[f] = am;
        }
        return new Dense[]{gw, mag};
    }

    // ---- softmax ------------------------------------------------------------------------------------------

    /** Flat indices of the line through flat index f along axis. */
    private static int[] line(Dense x, int f, int axis) {
        int[] idx = x.index(f);
        int[] out = new int[x.shape()[axis]];
        for (int j = 0; j < out.length; j++) { idx[axis] = j; out[j] = x.flat(idx); }
        return out;
    }

    public static Dense softmax(Dense x, int axis, boolean log) {
        int ax = Shape.axis(axis, x.rank());
        Dense out = Dense.zeros(x.shape());
        for (int f = 0; f < x.numel(); f++) {
            int[] l = line(x, f, ax);
            double m = Double.NEGATIVE_INFINITY;
            for (int i : l) m = Math.max(m, x.v()[i]);
            double s = 0;
            for (int i : l) s += Math.exp(x.v()[i] - m);
            out.v()[f] = log ? x.v()[f] - m - Math.log(s) : Math.exp(x.v()[f] - m) / s;
        }
        return out;
    }

    public static Dense softmaxBackward(Dense y, Dense gy, int axis, boolean log) {
        int ax = Shape.axis(axis, y.rank());
        Dense out = Dense.zeros(y.shape());
        for (int f = 0; f < y.numel(); f++) {
            int[] l = line(y, f, ax);
            double s = 0;
            for (int i : l) s += log ? gy.v()[i] : gy.v()[i] * y.v()[i];
            out.v()[f] = log ? gy.v()[f] - Math.exp(y.v()[f]) * s : y.v()[f] * (gy.v()[f] - s);
        }
        return out;
    }

    // ---- normalisation ------------------------------------------------------------------------------------

    /**
     * Normalises rows of the [rows, cols] view of x, with affine parameter index channel(row, col).
     * Returns {y, mean[rows], rstd[rows]}.
     */
    public static Dense[] normalizeRows(Dense x, int rows, int cols, Dense w, Dense b, double eps,
                                        java.util.function.IntBinaryOperator channel, int[] statShape) {
        Dense y = Dense.zeros(x.shape());
        double[] mean = new double[rows], rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double m = 0;
            for (int j = 0; j < cols; j++) m += x.v()[r * cols + j];
            m /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) var += Math.pow(x.v()[r * cols + j] - m, 2);
            var /= cols;
            mean[r] = m;
            rstd[r] = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < cols; j++) {
                int c = channel.applyAsInt(r, j);
                y.v()[r * cols + j] = (x.v()[r * cols + j] - m) * rstd[r] * (w == null ? 1 : w.v()[c]) + (b == null ? 0 : b.v()[c]);
            }
        }
        return new Dense[]{y, new Dense(statShape, mean), new Dense(statShape, rstd)};
    }

    /** {dx, dweight, dbias} of the row normalisation, from the definition dx_i = sum_j gy_j dy_j/dx_i. */
    public static Dense[] normalizeRowsBackward(Dense gy, Dense x, int rows, int cols, Dense w, double eps,
                                                java.util.function.IntBinaryOperator channel, int channels, int[] paramShape) {
        Dense dx = Dense.zeros(x.shape());
        double[] dw = new double[channels], db = new double[channels];
        for (int r = 0; r < rows; r++) {
            double m = 0;
            for (int j = 0; j < cols; j++) m += x.v()[r * cols + j];
            m /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) var += Math.pow(x.v()[r * cols + j] - m, 2);
            var /= cols;
            double rs = 1 / Math.sqrt(var + eps);
            // y_j = (x_j - m) rs w_j + b_j;  d y_j / d x_i = w_j rs (delta_ij - 1/N - xhat_i xhat_j / N)
            for (int i = 0; i < cols; i++) {
                double xi = (x.v()[r * cols + i] - m) * rs, acc = 0;
                for (int j = 0; j < cols; j++) {
                    double xj = (x.v()[r * cols + j] - m) * rs;
                    double wj = w == null ? 1 : w.v()[channel.applyAsInt(r, j)];
                    acc += gy.v()[r * cols + j] * wj * rs * ((i == j ? 1 : 0) - 1.0 / cols - xi * xj / cols);
                }
                dx.v()[r * cols + i] = acc;
                int c = channel.applyAsInt(r, i);
                dw[c] += gy.v()[r * cols + i] * xi;
                db[c] += gy.v()[r * cols + i];
            }
        }
        return new Dense[]{dx, new Dense(paramShape, dw), new Dense(paramShape, db)};
    }

    // ---- attention ----------------------------------------------------------------------------------------

    /** Scaled masked scores of head (b, h): s[i][j], -inf where hidden. */
    private static double[][] scores(Dense q, Dense k, Dense mask, double scale, boolean causal, int b, int h) {
        int lq = q.dim(2), lk = k.dim(2), d = q.dim(3);
        double[][] s = new double[lq][lk];
        for (int i = 0; i < lq; i++)
            for (int j = 0; j < lk; j++) {
                double acc = 0;
                for (int c = 0; c < d; c++) acc += q.at(b, h, i, c) * k.at(b, h, j, c);
                double mv = mask == null ? 0 : broadcastAt(mask, new int[]{b, h, i, j});
                s[i][j] = causal && j > i ? Double.NEGATIVE_INFINITY : acc * scale + mv;
            }
        return s;
    }

    /** {out, logSumExp, magnitude sum_j p_ij |v_jc|}. */
    public static Dense[] attention(Dense q, Dense k, Dense v, Dense mask, double scale, boolean causal) {
        int bn = q.dim(0), hn = q.dim(1), lq = q.dim(2), lk = k.dim(2), dv = v.dim(3);
        Dense out = Dense.zeros(bn, hn, lq, dv), lse = Dense.zeros(bn, hn, lq), mag = Dense.zeros(bn, hn, lq, dv);
        for (int b = 0; b < bn; b++)
            for (int h = 0; h < hn; h++) {
                double[][] s = scores(q, k, mask, scale, causal, b, h);
                for (int i = 0; i < lq; i++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) m = Math.max(m, s[i][j]);
                    if (m == Double.NEGATIVE_INFINITY) { lse.v()[lse.flat(b, h, i)] = m; continue; }
                    double z = 0;
                    for (int j = 0; j < lk; j++) z += Math.exp(s[i][j] - m);
                    lse.v()[lse.flat(b, h, i)] = m + Math.log(z);
                    for (int c = 0; c < dv; c++) {
                        double acc = 0, am = 0;
                        for (int j = 0; j < lk; j++) {
                            double p = Math.exp(s[i][j] - m) / z;
                            acc += p * v.at(b, h, j, c);
                            am += p * Math.abs(v.at(b, h, j, c));
                        }
                        out.v()[out.flat(b, h, i, c)] = acc;
                        mag.v()[mag.flat(b, h, i, c)] = am;
                    }
                }
            }
        return new Dense[]{out, lse, mag};
    }

    /**
     * {dq, dk, dv} by the chain rule through s, p and out, written out per element. When {@code savedOut} is
     * given, the softmax-Jacobian term sum_j p_j dp_j is taken as sum_c gy_c * savedOut_c (mathematically
     * equal), as backends do with the forward output they saved, so a 16-bit saved output is accounted for.
     */
    public static Dense[] attentionBackward(Dense gy, Dense q, Dense k, Dense v, Dense mask, double scale, boolean causal, Dense savedOut) {
        int bn = q.dim(0), hn = q.dim(1), lq = q.dim(2), lk = k.dim(2), d = q.dim(3), dvn = v.dim(3);
        Dense dq = Dense.zeros(q.shape()), dk = Dense.zeros(k.shape()), dv = Dense.zeros(v.shape());
        for (int b = 0; b < bn; b++)
            for (int h = 0; h < hn; h++) {
                double[][] s = scores(q, k, mask, scale, causal, b, h);
                for (int i = 0; i < lq; i++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) m = Math.max(m, s[i][j]);
                    if (m == Double.NEGATIVE_INFINITY) continue;
                    double z = 0;
                    for (int j = 0; j < lk; j++) z += Math.exp(s[i][j] - m);
                    double[] p = new double[lk], dp = new double[lk];
                    for (int j = 0; j < lk; j++) p[j] = Math.exp(s[i][j] - m) / z;
                    for (int j = 0; j < lk; j++)
                        for (int c = 0; c < dvn; c++) {
                            dp[j] += gy.at(b, h, i, c) * v.at(b, h, j, c);
                            dv.v()[dv.flat(b, h, j, c)] += p[j] * gy.at(b, h, i, c);
                        }
                    double pdp = 0;
                    if (savedOut == null) for (int j = 0; j < lk; j++) pdp += p[j] * dp[j];
                    else for (int c = 0; c < dvn; c++) pdp += gy.at(b, h, i, c) * savedOut.at(b, h, i, c);
                    for (int j = 0; j < lk; j++) {
                        double ds = p[j] * (dp[j] - pdp) * scale; // softmax Jacobian, then the scale of s
                        for (int c = 0; c < d; c++) {
                            dq.v()[dq.flat(b, h, i, c)] += ds * k.at(b, h, j, c);
                            dk.v()[dk.flat(b, h, j, c)] += ds * q.at(b, h, i, c);
                        }
                    }
                }
            }
        return new Dense[]{dq, dk, dv};
    }

    // ---- resampling and pooling --------------------------------------------------------------------------

    public static Dense upsampleNearest(Dense x, int fh, int fw) {
        int[] os = x.shape().clone();
        int r = os.length;
        os[r - 2] *= fh;
        os[r - 1] *= fw;
        Dense out = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f);
            id[r - 2] /= fh;
            id[r - 1] /= fw;
            out.v()[f] = x.at(id);
        }
        return out;
    }

    public static Dense upsampleNearestBackward(Dense g, int fh, int fw) {
        int[] is = g.shape().clone();
        int r = is.length;
        is[r - 2] /= fh;
        is[r - 1] /= fw;
        Dense out = Dense.zeros(is);
        for (int f = 0; f < g.numel(); f++) {
            int[] id = g.index(f);
            id[r - 2] /= fh;
            id[r - 1] /= fw;
            out.v()[out.flat(id)] += g.v()[f];
        }
        return out;
    }

    /** {avg-pool output} with count_include_pad: every window divides by kH*kW. */
    public static Dense avgPool2d(Dense x, Pool2dSpec s) {
        int r = x.rank(), h = x.dim(-2), w = x.dim(-1);
        int[] os = x.shape().clone();
        os[r - 2] = s.outH(h);
        os[r - 1] = s.outW(w);
        Dense out = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f), src = id.clone();
            double acc = 0;
            for (int ky = 0; ky < s.kernelH(); ky++)
                for (int kx = 0; kx < s.kernelW(); kx++) {
                    int iy = id[r - 2] * s.strideH() - s.padH() + ky, ix = id[r - 1] * s.strideW() - s.padW() + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    src[r - 2] = iy;
                    src[r - 1] = ix;
                    acc += x.at(src);
                }
            out.v()[f] = acc / (s.kernelH() * s.kernelW());
        }
        return out;
    }

    public static Dense avgPool2dBackward(Dense g, int[] inShape, Pool2dSpec s) {
        int r = inShape.length, h = inShape[r - 2], w = inShape[r - 1];
        Dense out = Dense.zeros(inShape);
        for (int f = 0; f < g.numel(); f++) {
            int[] id = g.index(f), dst = id.clone();
            for (int ky = 0; ky < s.kernelH(); ky++)
                for (int kx = 0; kx < s.kernelW(); kx++) {
                    int iy = id[r - 2] * s.strideH() - s.padH() + ky, ix = id[r - 1] * s.strideW() - s.padW() + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    dst[r - 2] = iy;
                    dst[r - 1] = ix;
                    out.v()[out.flat(dst)] += g.v()[f] / (s.kernelH() * s.kernelW());
                }
        }
        return out;
    }

    /** {max-pool output, flat index within the H*W plane of the first maximum}. */
    public static Dense[] maxPool2d(Dense x, Pool2dSpec s) {
        int r = x.rank(), h = x.dim(-2), w = x.dim(-1);
        int[] os = x.shape().clone();
        os[r - 2] = s.outH(h);
        os[r - 1] = s.outW(w);
        Dense out = Dense.zeros(os), idx = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f), src = id.clone();
            double best = Double.NEGATIVE_INFINITY;
            int bi = -1;
            for (int ky = 0; ky < s.kernelH(); ky++)
                for (int kx = 0; kx < s.kernelW(); kx++) {
                    int iy = id[r - 2] * s.strideH() - s.padH() + ky, ix = id[r - 1] * s.strideW() - s.padW() + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    src[r - 2] = iy;
                    src[r - 1] = ix;
                    if (bi < 0 || x.at(src) > best) { best = x.at(src); bi = iy * w + ix; }
                }
            out.v()[f] = best;
            idx.v()[f] = bi;
        }
        return new Dense[]{out, idx};
    }

    public static Dense maxPool2dBackward(Dense g, Dense indices, int[] inShape) {
        int r = inShape.length, plane = inShape[r - 2] * inShape[r - 1];
        int oplane = g.dim(-2) * g.dim(-1);
        Dense out = Dense.zeros(inShape);
        for (int f = 0; f < g.numel(); f++) out.v()[(f / oplane) * plane + (int) indices.v()[f]] += g.v()[f];
        return out;
    }

    // ---- indexing and layout ------------------------------------------------------------------------------

    public static Dense indexSelect(Dense x, int axis, double[] index) {
        int ax = Shape.axis(axis, x.rank());
        int[] os = x.shape().clone();
        os[ax] = index.length;
        Dense out = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f);
            id[ax] = (int) index[id[ax]];
            out.v()[f] = x.at(id);
        }
        return out;
    }

    public static Dense indexAdd(Dense target, int axis, double[] index, Dense src) {
        int ax = Shape.axis(axis, target.rank());
        Dense out = new Dense(target.shape(), target.v().clone());
        for (int f = 0; f < src.numel(); f++) {
            int[] id = src.index(f);
            id[ax] = (int) index[id[ax]];
            out.v()[out.flat(id)] += src.v()[f];
        }
        return out;
    }

    public static Dense gather(Dense x, int axis, Dense index) {
        int ax = Shape.axis(axis, x.rank());
        Dense out = Dense.zeros(index.shape());
        for (int f = 0; f < out.numel(); f++) {
            int[] id = index.index(f);
            id[ax] = (int) index.v()[f];
            out.v()[f] = x.at(id);
        }
        return out;
    }

    public static Dense scatterAdd(Dense target, int axis, Dense index, Dense src) {
        int ax = Shape.axis(axis, target.rank());
        Dense out = new Dense(target.shape(), target.v().clone());
        for (int f = 0; f < index.numel(); f++) {
            int[] id = index.index(f);
            double sv = src.at(id);
            id[ax] = (int) index.v()[f];
            out.v()[out.flat(id)] += sv;
        }
        return out;
    }

    public static Dense concat(java.util.List<Dense> parts, int axis) {
        int ax = Shape.axis(axis, parts.get(0).rank());
        int[] os = parts.get(0).shape().clone();
        os[ax] = 0;
        for (Dense p : parts) os[ax] += p.dim(ax);
        Dense out = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f);
            int at = id[ax];
            for (Dense p : parts) {
                if (at < p.dim(ax)) { id[ax] = at; out.v()[f] = p.at(id); break; }
                at -= p.dim(ax);
            }
        }
        return out;
    }

    /** torch.nn.functional.pad with a constant: pads pairs (before, after) from the last dim. */
    public static Dense pad(Dense x, int[] pads, double value) {
        int r = x.rank();
        int[] os = x.shape().clone(), before = new int[r];
        for (int i = 0; i < pads.length / 2; i++) {
            before[r - 1 - i] = pads[2 * i];
            os[r - 1 - i] += pads[2 * i] + pads[2 * i + 1];
        }
        Dense out = Dense.zeros(os);
        for (int f = 0; f < out.numel(); f++) {
            int[] id = out.index(f);
            boolean inside = true;
            for (int d = 0; d < r; d++) { id[d] -= before[d]; if (id[d] < 0 || id[d] >= x.shape()[d]) inside = false; }
            out.v()[f] = inside ? x.at(id) : value;
        }
        return out;
    }
}
