package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.PoolResult;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;

/** Nearest upsampling, average and max pooling over the last two dims (pool.cu). */
final class PoolOps {
    private final DeviceBackend b;

    PoolOps(DeviceBackend b) { this.b = b; }

    /** PoolGeom of pool.cu: planes, H, W, OH, OW, kH, kW, sH, sW, pH, pW. */
    private static int[] geom(int[] in, int oh, int ow, int kh, int kw, int sh, int sw, int ph, int pw, String op) {
        if (in.length < 2) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " needs at least 2 dims");
        int h = in[in.length - 2], w = in[in.length - 1];
        int planes = h * w == 0 ? 0 : Shape.numel(in) / (h * w);
        return new int[] {planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw};
    }

    private static int[] withLast2(int[] shape, int a, int c) {
        int[] s = shape.clone();
        s[s.length - 2] = a;
        s[s.length - 1] = c;
        return s;
    }

    private static int[] poolGeom(int[] in, Pool2dSpec p, String op) {
        if (in.length < 2) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " needs at least 2 dims");
        int h = in[in.length - 2], w = in[in.length - 1];
        int oh = p.outH(h), ow = p.outW(w);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " is smaller than the window " + p);
        return geom(in, oh, ow, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(), op);
    }

    Tensor upsample(Tensor x, int fh, int fw) {
        b.buf(x);
        if (fh < 1 || fw < 1) throw new IllegalArgumentException("upsampleNearest: factors " + fh + "x" + fw);
        int[] s = x.shape();
        int[] g = geom(s, s.length < 2 ? 0 : s[s.length - 2] * fh, s.length < 2 ? 0 : s[s.length - 1] * fw, fh, fw, 1, 1, 0, 0, "upsampleNearest");
        Tensor out = b.alloc(x.dtype(), withLast2(s, g[3], g[4]));
        b.launch1d("pool", "upsample_nearest", out.numel(), g, ViewArg.of(x), b.buf(x), DeviceBackend.dt(x.dtype()), b.buf(out));
        return out;
    }

    Tensor upsampleBackward(Tensor gradOut, int fh, int fw) {
        b.buf(gradOut);
        int[] s = gradOut.shape();
        if (s.length < 2 || fh < 1 || fw < 1 || s[s.length - 2] % fh != 0 || s[s.length - 1] % fw != 0)
            throw new IllegalArgumentException("upsampleNearestBackward: gradOut " + Shape.str(s) + " not divisible by factors " + fh + "x" + fw);
        int[] inShape = withLast2(s, s[s.length - 2] / fh, s[s.length - 1] / fw);
        int[] g = geom(inShape, s[s.length - 2], s[s.length - 1], fh, fw, 1, 1, 0, 0, "upsampleNearestBackward");
        Tensor out = b.alloc(gradOut.dtype(), inShape);
        b.launch1d("pool", "upsample_nearest_backward", out.numel(), g, ViewArg.of(gradOut), b.buf(gradOut), DeviceBackend.dt(gradOut.dtype()), b.buf(out));
        return out;
    }

    Tensor avgPool(Tensor x, Pool2dSpec p) {
        b.buf(x);
        int[] g = poolGeom(x.shape(), p, "avgPool2d");
        Tensor out = b.alloc(x.dtype(), withLast2(x.shape(), g[3], g[4]));
        b.launch1d("pool", "avg_pool", out.numel(), g, ViewArg.of(x), b.buf(x), DeviceBackend.dt(x.dtype()), b.buf(out));
        return out;
    }

    Tensor avgPoolBackward(Tensor gradOut, int[] inputShape, Pool2dSpec p) {
        b.buf(gradOut);
        int[] g = poolGeom(inputShape, p, "avgPool2dBackward");
        checkGrad(gradOut, withLast2(inputShape, g[3], g[4]), "avgPool2dBackward");
        Tensor out = b.alloc(gradOut.dtype(), inputShape);
        b.launch1d("pool", "avg_pool_backward", out.numel(), g, ViewArg.of(gradOut), b.buf(gradOut), DeviceBackend.dt(gradOut.dtype()), b.buf(out));
        return out;
    }

    PoolResult maxPool(Tensor x, Pool2dSpec p) {
        b.buf(x);
        int[] g = poolGeom(x.shape(), p, "maxPool2d");
        int[] outShape = withLast2(x.shape(), g[3], g[4]);
        Tensor out = b.alloc(x.dtype(), outShape), idx = b.alloc(DType.I32, outShape);
        b.launch1d("pool", "max_pool", out.numel(), g, ViewArg.of(x), b.buf(x), DeviceBackend.dt(x.dtype()), b.buf(out), b.buf(idx));
        return new PoolResult(out, idx);
    }

    Tensor maxPoolBackward(Tensor gradOut, Tensor indices, int[] inputShape, Pool2dSpec p) {
        b.buf(gradOut);
        b.buf(indices);
        int[] g = poolGeom(inputShape, p, "maxPool2dBackward");
        checkGrad(gradOut, withLast2(inputShape, g[3], g[4]), "maxPool2dBackward");
        if (!indices.sameShape(gradOut) || indices.dtype() != DType.I32)
            throw new IllegalArgumentException("maxPool2dBackward: indices " + indices + " should be i32 " + Shape.str(gradOut.shape()));
        Tensor out = b.alloc(gradOut.dtype(), inputShape);
        b.launch1d("pool", "max_pool_backward", out.numel(), g, ViewArg.of(gradOut), b.buf(gradOut), DeviceBackend.dt(gradOut.dtype()),
                ViewArg.of(indices), b.buf(indices), b.buf(out));
        return out;
    }

    private static void checkGrad(Tensor gradOut, int[] want, String op) {
        if (!Arrays.equals(gradOut.shape(), want))
            throw new IllegalArgumentException(op + ": gradOut " + Shape.str(gradOut.shape()) + ", expected " + Shape.str(want));
    }
}
