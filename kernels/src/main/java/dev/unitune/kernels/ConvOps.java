package dev.unitune.kernels;

import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/** conv2d and its two backward passes as implicit GEMMs (conv.cu) over contiguous F32 NCHW/OIHW tensors. */
final class ConvOps {
    private final DeviceBackend b;

    ConvOps(DeviceBackend b) { this.b = b; }

    /** The ConvGeom struct of conv.cu, validated. */
    private static int[] geom(int[] x, int[] w, Conv2dSpec s, String op) {
        if (x.length != 4 || w.length != 4)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " and weight " + Shape.str(w) + " must both be 4-D");
        int g = s.groups();
        if (x[1] % g != 0 || w[0] % g != 0 || w[1] * g != x[1])
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " and weight " + Shape.str(w) + " do not fit groups=" + g);
        int oh = s.outH(x[2], w[2]), ow = s.outW(x[3], w[3]);
        if (oh <= 0 || ow <= 0)
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " is smaller than the kernel " + Shape.str(w) + " with " + s);
        return new int[] {x[0], x[1], x[2], x[3], w[0], oh, ow, w[2], w[3],
                s.strideH(), s.strideW(), s.padH(), s.padW(), s.dilationH(), s.dilationW(), g, x[1] / g, w[0] / g};
    }

    /** Launches a conv pass as an M x N implicit GEMM per group, with 128x128 tiles when large enough. */
    private void launch(String kernel, int m, int n, int groups, Object... args) {
        boolean big = GemmOps.bigTiles(m, n, groups);
        int t = big ? 128 : 64;
        b.dev.launch("conv", big ? kernel + "_128" : kernel, new int[] {Math.max(1, (n + t - 1) / t), Math.max(1, (m + t - 1) / t), groups},
                new int[] {16, 16, 1}, args);
    }

    Tensor forward(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        b.buf(x);
        b.buf(w);
        int[] g = geom(x.shape(), w.shape(), spec, "conv2d");
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != g[4]))
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " for " + g[4] + " output channels");
        DType dtype = x.dtype();
        if ((dtype == DType.F16 || dtype == DType.BF16) && w.dtype() == dtype && b.tensorCoreGemm()) return forwardTensorCores(x, w, bias, g);
        Tensor xf = b.f32(x), wf = b.f32(w), bf = bias == null ? null : b.f32(bias);
        Tensor out = b.alloc(DType.F32, g[0], g[4], g[5], g[6]);
        int cols = g[0] * g[5] * g[6];
        if (out.numel() > 0)
            launch("conv2d_forward", g[17], cols, g[15], b.buf(xf), b.buf(wf), bf == null ? b.buf(wf) : b.buf(bf), bf == null ? 0 : 1, b.buf(out), g);
        DeviceBackend.dropTemp(xf, x);
        DeviceBackend.dropTemp(wf, w);
        DeviceBackend.dropTemp(bf, bias);
        return b.fromF32(out, dtype);
    }

    /** F16/BF16 forward on the CUDA tensor-core kernel (gemm_tc.cu): 16-bit operands, f32 accumulation and bias. */
    private Tensor forwardTensorCores(Tensor x, Tensor w, Tensor bias, int[] g) {
        DType dtype = x.dtype();
        Tensor xc = b.contiguousAs(x, dtype), wc = b.contiguousAs(w, dtype), bf = bias == null ? null : b.f32(bias);
        Tensor out = b.alloc(DType.F32, g[0], g[4], g[5], g[6]);
        int cols = g[0] * g[5] * g[6];
        if (out.numel() > 0)
            b.dev.launch("gemm_tc", "conv2d_forward_tc", new int[] {Math.max(1, (cols + 63) / 64), Math.max(1, (g[17] + 63) / 64), g[15]},
                    new int[] {128, 1, 1}, dtype == DType.BF16 ? 1 : 0, b.buf(xc), b.buf(wc), bf == null ? b.buf(out) : b.buf(bf),
                    bf == null ? 0 : 1, b.buf(out), g);
        DeviceBackend.dropTemp(xc, x);
        DeviceBackend.dropTemp(wc, w);
        DeviceBackend.dropTemp(bf, bias);
        return b.fromF32(out, dtype);
    }

    private boolean onTensorCores(Tensor p, Tensor q) {
        DType d = p.dtype();
        return (d == DType.F16 || d == DType.BF16) && q.dtype() == d && b.tensorCoreGemm();
    }

    /** A backward pass on the tensor-core kernels: contiguous 16-bit operands, an f32 M x N result per group, rounded back. */
    private Tensor tensorCorePass(String kernel, Tensor p, Tensor q, int[] outShape, int m, int n, int[] g) {
        DType dtype = p.dtype();
        Tensor pc = b.contiguousAs(p, dtype), qc = b.contiguousAs(q, dtype);
        Tensor out = b.alloc(DType.F32, outShape);
        if (out.numel() > 0)
            b.dev.launch("gemm_tc", kernel, new int[] {Math.max(1, (n + 63) / 64), Math.max(1, (m + 63) / 64), g[15]}, new int[] {128, 1, 1},
                    dtype == DType.BF16 ? 1 : 0, b.buf(pc), b.buf(qc), b.buf(out), g);
        DeviceBackend.dropTemp(pc, p);
        DeviceBackend.dropTemp(qc, q);
        return b.fromF32(out, dtype);
    }

    Tensor backwardInput(Tensor gradOut, Tensor w, int[] inputShape, Conv2dSpec spec) {
        b.buf(gradOut);
        b.buf(w);
        int[] g = geom(inputShape, w.shape(), spec, "conv2dBackwardInput");
        checkGradOut(gradOut, g, "conv2dBackwardInput");
        DType dtype = gradOut.dtype();
        if (onTensorCores(gradOut, w))
            return tensorCorePass("conv2d_backward_input_tc", gradOut, w, inputShape, g[16], g[0] * g[2] * g[3], g);
        Tensor gf = b.f32(gradOut), wf = b.f32(w);
        Tensor dx = b.alloc(DType.F32, inputShape);
        int cols = g[0] * g[2] * g[3];
        if (dx.numel() > 0)
            launch("conv2d_backward_input", g[16], cols, g[15], b.buf(gf), b.buf(wf), b.buf(dx), g);
        DeviceBackend.dropTemp(gf, gradOut);
        DeviceBackend.dropTemp(wf, w);
        return b.fromF32(dx, dtype);
    }

    Tensor backwardWeight(Tensor gradOut, Tensor x, int[] weightShape, Conv2dSpec spec) {
        b.buf(gradOut);
        b.buf(x);
        int[] g = geom(x.shape(), weightShape, spec, "conv2dBackwardWeight");
        checkGradOut(gradOut, g, "conv2dBackwardWeight");
        DType dtype = gradOut.dtype();
        if (onTensorCores(gradOut, x))
            return tensorCorePass("conv2d_backward_weight_tc", gradOut, x, weightShape, g[17], g[16] * g[7] * g[8], g);
        Tensor gf = b.f32(gradOut), xf = b.f32(x);
        Tensor dw = b.alloc(DType.F32, weightShape);
        int cols = g[16] * g[7] * g[8];
        if (dw.numel() > 0)
            launch("conv2d_backward_weight", g[17], cols, g[15], b.buf(gf), b.buf(xf), b.buf(dw), g);
        DeviceBackend.dropTemp(gf, gradOut);
        DeviceBackend.dropTemp(xf, x);
        return b.fromF32(dw, dtype);
    }

    private static void checkGradOut(Tensor gradOut, int[] g, String op) {
        int[] want = {g[0], g[4], g[5], g[6]};
        if (!java.util.Arrays.equals(gradOut.shape(), want))
            throw new IllegalArgumentException(op + ": gradOut " + Shape.str(gradOut.shape()) + ", expected " + Shape.str(want));
    }
}
