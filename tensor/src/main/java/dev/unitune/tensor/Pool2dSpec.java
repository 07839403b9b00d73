package dev.unitune.tensor;

/** Geometry of a 2-D pooling window (PyTorch semantics, floor mode; avg pool counts padding as in count_include_pad=true). */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || padH * 2 > kernelH || padW * 2 > kernelW)
            throw new IllegalArgumentException("invalid pool2d spec " + this);
    }

    public static Pool2dSpec of(int kernel, int stride) { return new Pool2dSpec(kernel, kernel, stride, stride, 0, 0); }

    public int outH(int inH) { return (inH + 2 * padH - kernelH) / strideH + 1; }

    public int outW(int inW) { return (inW + 2 * padW - kernelW) / strideW + 1; }
}
