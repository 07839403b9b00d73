package dev.unitune.kernels;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

/** Philox uniform/normal tensors (philox.cu), the same numbers as the CPU backend for the same (seed, offset). */
final class RandomOps {
    private final DeviceBackend b;

    RandomOps(DeviceBackend b) { this.b = b; }

    private static void checkFloat(String op, DType dt) {
        if (!dt.isFloating()) throw new IllegalArgumentException(op + " makes float tensors; got dtype " + dt.id());
    }

    Tensor uniform(DType dtype, long seed, long offset, double low, double high, int[] shape) {
        checkFloat("uniform", dtype);
        if (!(low <= high)) throw new IllegalArgumentException("uniform: low " + low + " > high " + high);
        Tensor out = b.alloc(dtype, shape);
        b.launch1d("philox", "philox_uniform", out.numel(), b.buf(out), DeviceBackend.dt(dtype), seed, offset, (float) low, (float) high, out.numel());
        return out;
    }

    Tensor normal(DType dtype, long seed, long offset, double mean, double std, int[] shape) {
        checkFloat("normal", dtype);
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        Tensor out = b.alloc(dtype, shape);
        b.launch1d("philox", "philox_normal", out.numel(), b.buf(out), DeviceBackend.dt(dtype), seed, offset, mean, std, out.numel());
        return out;
    }
}
