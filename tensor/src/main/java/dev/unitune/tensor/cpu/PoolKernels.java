package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.PoolResult;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/**
 * Nearest upsampling and 2-D pooling over the last two dims (PyTorch semantics: floor mode, average
 * counting padding, max-pool indices flat within each H*W plane). Values go through double and are
 * rounded once to the input dtype.
 */
final class PoolKernels {
    private PoolKernels() {}

    private static void checkFloat(String op, Tensor x) {
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + " needs a float tensor, got " + x.dtype().id());
    }

    private static void checkRank(String op, Tensor x) {
        if (x.rank() < 2) throw new IllegalArgumentException(op + " needs a tensor of rank >= 2, got " + Shape.str(x.shape()));
    }

    static Tensor upsampleNearest(Tensor x, int fh, int fw) {
        checkRank("upsampleNearest", x);
        if (fh < 1 || fw < 1) throw new IllegalArgumentException("upsampleNearest: factors must be >= 1, got " + fh + "x" + fw);
        int[] s = x.shape();
        int r = s.length, h = s[r - 2], w = s[r - 1], planes = x.numel() / Math.max(1, h * w);
        if (h * w == 0) planes = 0;
        int oh = h * fh, ow = w * fw;
        int[] os = s.clone();
        os[r - 2] = oh;
        os[r - 1] = ow;
        Object src = HostArrays.rawCopy(x);
        Object out = CpuStorage.newArray(x.dtype(), Shape.numel(os));
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < oh; y++) {
                int srow = p * h * w + (y / fh) * w, drow = p * oh * ow + y * ow;
                if (y % fh != 0) { System.arraycopy(out, drow - ow, out, drow, ow); continue; } // same as the row above
                if (src instanceof float[] fs) { float[] fo = (float[]) out; for (int xx = 0; xx < ow; xx++) fo[drow + xx] = fs[srow + xx / fw]; }
                else for (int xx = 0; xx < ow; xx++) System.arraycopy(src, srow + xx / fw, out, drow + xx, 1);
            }
        return HostArrays.wrap(out, x.dtype(), os);
    }

    static Tensor upsampleNearestBackward(Tensor g, int fh, int fw) {
        checkRank("upsampleNearestBackward", g);
        checkFloat("upsampleNearestBackward", g);
        int[] s = g.shape();
        int r = s.length, oh = s[r - 2], ow = s[r - 1];
        if (fh < 1 || fw < 1 || oh % fh != 0 || ow % fw != 0)
            throw new IllegalArgumentException("upsampleNearestBackward: gradient " + Shape.str(s) + " is not a multiple of " + fh + "x" + fw);
        int h = oh / fh, w = ow / fw, planes = oh * ow == 0 ? 0 : g.numel() / (oh * ow);
        int[] is = s.clone();
        is[r - 2] = h;
        is[r - 1] = w;
        double[] gv = HostArrays.doubles(g), out = new double[Shape.numel(is)];
        for (int p = 0; p < planes; p++)
            for (int iy = 0; iy < h; iy++) {
                int dst = p * h * w + iy * w;
                for (int y = iy * fh; y < iy * fh + fh; y++) { // the fh output rows that came from input row iy
                    int src = p * oh * ow + y * ow;
                    for (int ix = 0; ix < w; ix++) {
                        double acc = 0;
                        for (int k = 0; k < fw; k++) acc += gv[src + ix * fw + k];
                        out[dst + ix] += acc;
                    }
                }
            }
        return HostArrays.fromDoubles(out, g.dtype(), is);
    }

    private record Geometry(int planes, int h, int w, int oh, int ow, int[] outShape) {}

    private static Geometry geometry(String op, int[] s, Pool2dSpec spec) {
        if (s.length < 3) throw new IllegalArgumentException(op + " needs [N, C, H, W] or [C, H, W], got " + Shape.str(s));
        int r = s.length, h = s[r - 2], w = s[r - 1];
        int oh = spec.outH(h), ow = spec.outW(w);
        if (oh < 1 || ow < 1) throw new IllegalArgumentException(op + ": input " + Shape.str(s) + " is smaller than the window " + spec);
        int[] os = s.clone();
        os[r - 2] = oh;
        os[r - 1] = ow;
        int planes = Shape.numel(s) / Math.max(1, h * w);
        return new Geometry(h * w == 0 ? 0 : planes, h, w, oh, ow, os);
    }

    static Tensor avgPool2d(Tensor x, Pool2dSpec sp) {
        checkFloat("avgPool2d", x);
        Geometry g = geometry("avgPool2d", x.shape(), sp);
        double[] v = HostArrays.doubles(x), out = new double[Shape.numel(g.outShape())];
        double div = sp.kernelH() * sp.kernelW(); // count_include_pad: the window always counts kH*kW in floor mode
        for (int p = 0; p < g.planes(); p++)
            for (int oy = 0; oy < g.oh(); oy++)
                for (int ox = 0; ox < g.ow(); ox++) {
                    double s = 0;
                    for (int ky = 0; ky < sp.kernelH(); ky++) {
                        int iy = oy * sp.strideH() - sp.padH() + ky;
                        if (iy < 0 || iy >= g.h()) continue;
                        for (int kx = 0; kx < sp.kernelW(); kx++) {
                            int ix = ox * sp.strideW() - sp.padW() + kx;
                            if (ix >= 0 && ix < g.w()) s += v[(p * g.h() + iy) * g.w() + ix];
                        }
                    }
                    out[(p * g.oh() + oy) * g.ow() + ox] = s / div;
                }
        return HostArrays.fromDoubles(out, x.dtype(), g.outShape());
    }

    static Tensor avgPool2dBackward(Tensor grad, int[] inputShape, Pool2dSpec sp) {
        checkFloat("avgPool2dBackward", grad);
        Geometry g = geometry("avgPool2dBackward", inputShape, sp);
        if (!java.util.Arrays.equals(grad.shape(), g.outShape()))
            throw new IllegalArgumentException("avgPool2dBackward: gradient " + Shape.str(grad.shape()) + ", expected " + Shape.str(g.outShape()));
        double[] gv = HostArrays.doubles(grad), out = new double[Shape.numel(inputShape)];
        double div = sp.kernelH() * sp.kernelW();
        for (int p = 0; p < g.planes(); p++)
            for (int oy = 0; oy < g.oh(); oy++)
                for (int ox = 0; ox < g.ow(); ox++) {
                    double gg = gv[(p * g.oh() + oy) * g.ow() + ox] / div;
                    for (int ky = 0; ky < sp.kernelH(); ky++) {
                        int iy = oy * sp.strideH() - sp.padH() + ky;
                        if (iy < 0 || iy >= g.h()) continue;
                        for (int kx = 0; kx < sp.kernelW(); kx++) {
                            int ix = ox * sp.strideW() - sp.padW() + kx;
                            if (ix >= 0 && ix < g.w()) out[(p * g.h() + iy) * g.w() + ix] += gg;
                        }
                    }
                }
        return HostArrays.fromDoubles(out, grad.dtype(), inputShape.clone());
    }

    static PoolResult maxPool2d(Tensor x, Pool2dSpec sp) {
        checkFloat("maxPool2d", x);
        Geometry g = geometry("maxPool2d", x.shape(), sp);
        double[] v = HostArrays.doubles(x), out = new double[Shape.numel(g.outShape())];
        int[] idx = new int[out.length];
        for (int p = 0; p < g.planes(); p++)
            for (int oy = 0; oy < g.oh(); oy++)
                for (int ox = 0; ox < g.ow(); ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int bi = -1;
                    for (int ky = 0; ky < sp.kernelH(); ky++) {
                        int iy = oy * sp.strideH() - sp.padH() + ky;
                        if (iy < 0 || iy >= g.h()) continue;
                        for (int kx = 0; kx < sp.kernelW(); kx++) {
                            int ix = ox * sp.strideW() - sp.padW() + kx;
                            if (ix < 0 || ix >= g.w()) continue;
                            double c = v[(p * g.h() + iy) * g.w() + ix];
                            // first maximum wins; NaN propagates (PyTorch)
                            if (bi < 0 || c > best || (c != c && best == best)) { best = c; bi = iy * g.w() + ix; }
                        }
                    }
                    int o = (p * g.oh() + oy) * g.ow() + ox;
                    out[o] = best;
                    idx[o] = bi;
                }
        return new PoolResult(HostArrays.fromDoubles(out, x.dtype(), g.outShape()), HostArrays.wrap(idx, DType.I32, g.outShape()));
    }

    static Tensor maxPool2dBackward(Tensor grad, Tensor indices, int[] inputShape, Pool2dSpec sp) {
        checkFloat("maxPool2dBackward", grad);
        Geometry g = geometry("maxPool2dBackward", inputShape, sp);
        if (!java.util.Arrays.equals(grad.shape(), g.outShape()) || !java.util.Arrays.equals(indices.shape(), g.outShape()))
            throw new IllegalArgumentException("maxPool2dBackward: gradient " + Shape.str(grad.shape()) + " / indices "
                    + Shape.str(indices.shape()) + ", expected " + Shape.str(g.outShape()));
        double[] gv = HostArrays.doubles(grad), out = new double[Shape.numel(inputShape)];
        long[] iv = HostArrays.longs(indices);
        int plane = g.h() * g.w(), oplane = g.oh() * g.ow();
        for (int p = 0; p < g.planes(); p++)
            for (int o = 0; o < oplane; o++) {
                long i = iv[p * oplane + o];
                if (i < 0 || i >= plane) throw new IndexOutOfBoundsException("maxPool2dBackward: index " + i + " outside the " + g.h() + "x" + g.w() + " plane");
                out[p * plane + (int) i] += gv[p * oplane + o];
            }
        return HostArrays.fromDoubles(out, grad.dtype(), inputShape.clone());
    }
}
