package dev.unitune.tensor;

/** Geometry of a 2-D convolution (PyTorch semantics, NCHW input, OIHW weight with I = C/groups). */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public Conv2dSpec {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("invalid conv2d spec " + this);
    }

    public static Conv2dSpec of(int stride, int padding) { return new Conv2dSpec(stride, stride, padding, padding, 1, 1, 1); }

    public static Conv2dSpec of(int stride, int padding, int dilation, int groups) {
        return new Conv2dSpec(stride, stride, padding, padding, dilation, dilation, groups);
    }

    public int outH(int inH, int kH) { return (inH + 2 * padH - dilationH * (kH - 1) - 1) / strideH + 1; }

    public int outW(int inW, int kW) { return (inW + 2 * padW - dilationW * (kW - 1) - 1) / strideW + 1; }
}
