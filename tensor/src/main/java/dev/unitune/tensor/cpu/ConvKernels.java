package dev.unitune.tensor.cpu;

import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.FastConv2d;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * conv2d and its two backward passes. F32 runs {@link FastConv2d} (GEMM based); F64 runs the direct
 * six-deep loops below, the plain definition the gradient checks and the F32 tests compare with; F16/BF16
 * compute in F32.
 */
final class ConvKernels {
    private ConvKernels() {}

    /** n, c, h, w of the input; o, cg (= c/groups), kh, kw of the weight; oh, ow of the output. */
    record Geom(int n, int c, int h, int w, int o, int cg, int kh, int kw, int oh, int ow, Conv2dSpec s) {
        int[] outShape() { return new int[]{n, o, oh, ow}; }
    }

    static Geom geom(String op, int[] x, int[] wt, Conv2dSpec s) {
        if (x.length != 4 || wt.length != 4)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " must be [N, C, H, W] and weight " + Shape.str(wt) + " [O, C/groups, kH, kW]");
        int g = s.groups();
        if (x[1] != wt[1] * g || wt[0] % g != 0)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " and weight " + Shape.str(wt) + " do not match for groups=" + g
                    + " (need C = weight[1] * groups and O divisible by groups)");
        int oh = s.outH(x[2], wt[2]), ow = s.outW(x[3], wt[3]);
        if (oh < 1 || ow < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " is too small for a " + wt[2] + "x" + wt[3] + " kernel with " + s);
        return new Geom(x[0], x[1], x[2], x[3], wt[0], wt[1], wt[2], wt[3], oh, ow, s);
    }

    private static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(op + ": dtypes differ (" + a.dtype().id() + " vs " + b.dtype().id() + ")");
        if (!a.dtype().isFloating()) throw new IllegalArgumentException(op + " needs float tensors, got " + a.dtype().id());
    }

    static Tensor forward(Tensor x, Tensor weight, Tensor bias, Conv2dSpec s) {
        sameDtype("conv2d", x, weight);
        Geom g = geom("conv2d", x.shape(), weight.shape(), s);
        if (bias != null) {
            sameDtype("conv2d bias", x, bias);
            if (bias.rank() != 1 || bias.dim(0) != g.o())
                throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " must be [" + g.o() + "]");
        }
        DType dt = x.dtype();
        if (dt == DType.F32) {
            float[] out = FastConv2d.forward(HostArrays.floats(x), g.n(), g.c(), g.h(), g.w(), HostArrays.floats(weight), g.o(), g.kh(), g.kw(),
                    bias == null ? null : HostArrays.floats(bias), s);
            return HostArrays.wrap(out, dt, g.outShape());
        }
        if (dt != DType.F64) return forward(x.to(DType.F32), weight.to(DType.F32), bias == null ? null : bias.to(DType.F32), s).to(dt);
        double[] xv = HostArrays.doubles(x), wv = HostArrays.doubles(weight), bv = bias == null ? null : HostArrays.doubles(bias);
        double[] out = new double[g.n() * g.o() * g.oh() * g.ow()];
        int og = g.o() / s.groups();
        Threads.parallelFor(g.n() * g.o(), no -> {
            int ni = no / g.o(), o = no % g.o(), grp = o / og;
            for (int oy = 0; oy < g.oh(); oy++)
                for (int ox = 0; ox < g.ow(); ox++) {
                    double acc = bv == null ? 0 : bv[o];
                    for (int ci = 0; ci < g.cg(); ci++) {
                        int c = grp * g.cg() + ci;
                        for (int ky = 0; ky < g.kh(); ky++) {
                            int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                            if (iy < 0 || iy >= g.h()) continue;
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                if (ix < 0 || ix >= g.w()) continue;
                                acc += xv[((ni * g.c() + c) * g.h() + iy) * g.w() + ix] * wv[((o * g.cg() + ci) * g.kh() + ky) * g.kw() + kx];
                            }
                        }
                    }
                    out[((ni * g.o() + o) * g.oh() + oy) * g.ow() + ox] = acc;
                }
        });
        return HostArrays.wrap(out, dt, g.outShape());
    }

    static Tensor backwardInput(Tensor gradOut, Tensor weight, int[] inputShape, Conv2dSpec s) {
        sameDtype("conv2dBackwardInput", gradOut, weight);
        Geom g = geom("conv2dBackwardInput", inputShape, weight.shape(), s);
        checkGrad("conv2dBackwardInput", gradOut, g);
        DType dt = gradOut.dtype();
        if (dt == DType.F32) {
            float[] gx = FastConv2d.backwardInput(HostArrays.floats(gradOut), g.n(), g.c(), g.h(), g.w(), HostArrays.floats(weight),
                    g.o(), g.kh(), g.kw(), s);
            return HostArrays.wrap(gx, dt, inputShape.clone());
        }
        if (dt != DType.F64) return backwardInput(gradOut.to(DType.F32), weight.to(DType.F32), inputShape, s).to(dt);
        double[] gy = HostArrays.doubles(gradOut), wv = HostArrays.doubles(weight);
        double[] gx = new double[Shape.numel(inputShape)];
        int og = g.o() / s.groups();
        // Parallel over (image, group): each writes only its own input channels.
        Threads.parallelFor(g.n() * s.groups(), part -> {
            int ni = part / s.groups(), grp = part % s.groups();
            for (int o = grp * og; o < (grp + 1) * og; o++)
                for (int oy = 0; oy < g.oh(); oy++)
                    for (int ox = 0; ox < g.ow(); ox++) {
                        double gv = gy[((ni * g.o() + o) * g.oh() + oy) * g.ow() + ox];
                        for (int ci = 0; ci < g.cg(); ci++) {
                            int c = grp * g.cg() + ci;
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    gx[((ni * g.c() + c) * g.h() + iy) * g.w() + ix] += gv * wv[((o * g.cg() + ci) * g.kh() + ky) * g.kw() + kx];
                                }
                            }
                        }
                    }
        });
        return HostArrays.wrap(gx, dt, inputShape.clone());
    }

    static Tensor backwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec s) {
        sameDtype("conv2dBackwardWeight", gradOut, x);
        Geom g = geom("conv2dBackwardWeight", x.shape(), weightShape, s);
        checkGrad("conv2dBackwardWeight", gradOut, g);
        DType dt = gradOut.dtype();
        if (dt == DType.F32) {
            float[] gw = FastConv2d.backwardWeight(HostArrays.floats(gradOut), HostArrays.floats(x), g.n(), g.c(), g.h(), g.w(),
                    g.o(), g.kh(), g.kw(), s);
            return HostArrays.wrap(gw, dt, weightShape.clone());
        }
        if (dt != DType.F64) return backwardWeight(gradOut.to(DType.F32), x.to(DType.F32), weightShape, s).to(dt);
        double[] gy = HostArrays.doubles(gradOut), xv = HostArrays.doubles(x);
        double[] gw = new double[Shape.numel(weightShape)];
        int og = g.o() / s.groups();
        Threads.parallelFor(g.o(), o -> {
            int grp = o / og;
            for (int ci = 0; ci < g.cg(); ci++)
                for (int ky = 0; ky < g.kh(); ky++)
                    for (int kx = 0; kx < g.kw(); kx++) {
                        double acc = 0;
                        for (int ni = 0; ni < g.n(); ni++)
                            for (int oy = 0; oy < g.oh(); oy++) {
                                int iy = oy * s.strideH() - s.padH() + ky * s.dilationH();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int ox = 0; ox < g.ow(); ox++) {
                                    int ix = ox * s.strideW() - s.padW() + kx * s.dilationW();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    acc += gy[((ni * g.o() + o) * g.oh() + oy) * g.ow() + ox]
                                            * xv[((ni * g.c() + grp * g.cg() + ci) * g.h() + iy) * g.w() + ix];
                                }
                            }
                        gw[((o * g.cg() + ci) * g.kh() + ky) * g.kw() + kx] = acc;
                    }
        });
        return HostArrays.wrap(gw, dt, weightShape.clone());
    }

    private static void checkGrad(String op, Tensor gradOut, Geom g) {
        if (!java.util.Arrays.equals(gradOut.shape(), g.outShape()))
            throw new IllegalArgumentException(op + ": gradOut " + Shape.str(gradOut.shape()) + ", expected " + Shape.str(g.outShape()));
    }
}
