package dev.unitune.model.schedulers;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

/** The few elementwise combinations the schedulers need, on any backend. */
final class TensorMath {
    private TensorMath() {}

    /** a*x + b*y for scalars a, b. */
    static Tensor axpby(double a, Tensor x, double b, Tensor y) {
        Backend be = x.backend();
        return be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, x, a), be.binaryScalar(BinaryOp.MUL, y, b));
    }

    static Tensor scale(Tensor x, double a) { return x.backend().binaryScalar(BinaryOp.MUL, x, a); }

    static Tensor add(Tensor x, Tensor y) { return x.backend().binary(BinaryOp.ADD, x, y); }

    static Tensor clamp(Tensor x, double r) { return x.backend().clamp(x, -r, r); }

    /** Per-batch-element scalars as a [B, 1, 1, ...] tensor broadcastable against like (dtype of like). */
    static Tensor perBatch(double[] values, Tensor like) {
        if (values.length != like.dim(0))
            throw new IllegalArgumentException(values.length + " timesteps for a batch of " + like.dim(0) + " (shape "
                    + java.util.Arrays.toString(like.shape()) + ")");
        int[] shape = new int[like.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = values.length;
        Backend be = like.backend();
        if (like.dtype() == DType.F64) return be.fromHost(values.clone(), DType.F64, shape);
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        Tensor t = be.fromHost(f, DType.F32, shape);
        return like.dtype() == DType.F32 ? t : t.to(like.dtype());
    }

    /** a[b]*x + c[b]*y with per-batch coefficients. */
    static Tensor axpbyPerBatch(double[] a, Tensor x, double[] c, Tensor y) {
        Backend be = x.backend();
        return be.binary(BinaryOp.ADD, be.binary(BinaryOp.MUL, x, perBatch(a, x)), be.binary(BinaryOp.MUL, y, perBatch(c, y)));
    }
}
