package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.NormGrads;
import dev.unitune.tensor.NormResult;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;

/** Group norm and layer norm forward/backward (norm.cu): one block per row of statistics. */
final class NormOps {
    private final DeviceBackend b;

    NormOps(DeviceBackend b) { this.b = b; }

    /** NormGeom of norm.cu: rows, inner, groups, S, Cg, params, hasWeight, hasBias, epsBits. */
    private static int[] geom(int rows, int inner, int groups, int s, int cg, int params, Tensor w, Tensor bias, double eps) {
        return new int[] {rows, inner, groups, s, cg, params, w == null ? 0 : 1, bias == null ? 0 : 1, Float.floatToIntBits((float) eps)};
    }

    private static int[] groupGeom(Tensor x, int groups, Tensor w, Tensor bias, double eps, String op) {
        if (x.rank() < 2 || groups < 1 || x.dim(1) % groups != 0)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x.shape()) + " with " + groups + " groups");
        int n = x.dim(0), c = x.dim(1), s = x.numel() / Math.max(1, n * c);
        if (n * c == 0) s = 1;
        checkParam(w, new int[] {c}, op, "weight");
        checkParam(bias, new int[] {c}, op, "bias");
        return geom(n * groups, (c / groups) * s, groups, s, c / groups, c, w, bias, eps);
    }

    private static int[] layerGeom(Tensor x, int normalizedDims, Tensor w, Tensor bias, double eps, String op) {
        if (normalizedDims < 1 || normalizedDims > x.rank())
            throw new IllegalArgumentException(op + ": normalizedDims " + normalizedDims + " for input " + Shape.str(x.shape()));
        int[] normShape = Arrays.copyOfRange(x.shape(), x.rank() - normalizedDims, x.rank());
        int inner = Shape.numel(normShape), rows = inner == 0 ? 0 : x.numel() / inner;
        checkParam(w, normShape, op, "weight");
        checkParam(bias, normShape, op, "bias");
        return geom(rows, inner, 1, 1, inner, inner, w, bias, eps);
    }

    private static void checkParam(Tensor p, int[] shape, String op, String what) {
        if (p != null && !Arrays.equals(p.shape(), shape))
            throw new IllegalArgumentException(op + ": " + what + " " + Shape.str(p.shape()) + ", expected " + Shape.str(shape));
    }

    NormResult groupNorm(Tensor x, Tensor w, Tensor bias, int groups, double eps) {
        int[] g = groupGeom(x, groups, w, bias, eps, "groupNorm");
        return forward(x, w, bias, g, new int[] {x.dim(0), groups});
    }

    NormResult layerNorm(Tensor x, int normalizedDims, Tensor w, Tensor bias, double eps) {
        int[] g = layerGeom(x, normalizedDims, w, bias, eps, "layerNorm");
        return forward(x, w, bias, g, Arrays.copyOf(x.shape(), x.rank() - normalizedDims));
    }

    NormGrads groupNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor w, int groups) {
        return backward(gradOut, x, mean, rstd, w, groupGeom(x, groups, w, null, 0, "groupNormBackward"));
    }

    NormGrads layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor w, int normalizedDims) {
        return backward(gradOut, x, mean, rstd, w, layerGeom(x, normalizedDims, w, null, 0, "layerNormBackward"));
    }

    private NormResult forward(Tensor x, Tensor w, Tensor bias, int[] g, int[] statShape) {
        b.buf(x);
        SoftmaxOps.requireFloat(x, "norm");
        Tensor wf = b.f32(w), bf = b.f32(bias);
        Tensor out = b.alloc(x.dtype(), x.shape());
        Tensor mean = b.alloc(DType.F32, statShape), rstd = b.alloc(DType.F32, statShape);
        b.launchRows("norm", "norm_forward", g[0], DeviceBackend.BLOCK, g, ViewArg.of(x), b.buf(x), DeviceBackend.dt(x.dtype()),
                wf == null ? b.buf(mean) : b.buf(wf), bf == null ? b.buf(mean) : b.buf(bf), b.buf(out), b.buf(mean), b.buf(rstd));
        DeviceBackend.dropTemp(wf, w);
        DeviceBackend.dropTemp(bf, bias);
        return new NormResult(out, mean, rstd);
    }

    private NormGrads backward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor w, int[] g) {
        b.buf(gradOut);
        b.buf(x);
        if (!gradOut.sameShape(x) || gradOut.dtype() != x.dtype())
            throw new IllegalArgumentException("norm backward: gradOut " + gradOut + " and x " + x + " differ");
        Tensor mf = b.f32(mean), rf = b.f32(rstd), wf = b.f32(w);
        int dt = DeviceBackend.dt(x.dtype());
        Tensor dx = b.alloc(x.dtype(), x.shape());
        b.launchRows("norm", "norm_backward_input", g[0], DeviceBackend.BLOCK, g, ViewArg.of(gradOut), b.buf(gradOut),
                ViewArg.of(x), b.buf(x), dt, b.buf(mf), b.buf(rf), wf == null ? b.buf(mf) : b.buf(wf), b.buf(dx));
        Tensor dw = null, db = null;
        if (w != null) {
            Tensor dwf = b.alloc(DType.F32, w.shape()), dbf = b.alloc(DType.F32, w.shape());
            b.launchRows("norm", "norm_backward_params", g[5], DeviceBackend.BLOCK, g, ViewArg.of(gradOut), b.buf(gradOut),
                    ViewArg.of(x), b.buf(x), dt, b.buf(mf), b.buf(rf), b.buf(dwf), b.buf(dbf));
            dw = b.fromF32(dwf, w.dtype());
            db = b.fromF32(dbf, w.dtype());
        }
        DeviceBackend.dropTemp(mf, mean);
        DeviceBackend.dropTemp(rf, rstd);
        DeviceBackend.dropTemp(wf, w);
        return new NormGrads(dx, dw, db);
    }
}
