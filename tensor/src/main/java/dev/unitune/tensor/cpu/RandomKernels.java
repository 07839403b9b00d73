package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Philox;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.Threads;

/** Uniform and normal tensors from {@link Philox}; element i is a pure function of (seed, offset + i). */
final class RandomKernels {
    private RandomKernels() {}

    private static void checkFloat(String op, DType dt) {
        if (!dt.isFloating()) throw new IllegalArgumentException(op + " makes float tensors; got dtype " + dt.id());
    }

    /** Parts of [0, n) whose boundaries are multiples of 4, so no Philox block is computed twice. */
    private static void parallelBlocks(int n, ElementwiseKernels.Range body) {
        int blocks = (n + 3) / 4;
        int parts = (int) Math.max(1, Math.min(Threads.count() * 4L, (long) n / ElementwiseKernels.GRAIN));
        Threads.parallelFor(parts, p -> {
            int s = (int) Math.min(n, 4L * (blocks * (long) p / parts)), e = (int) Math.min(n, 4L * (blocks * (long) (p + 1) / parts));
            if (e > s) body.run(s, e);
        });
    }

    static Tensor uniform(DType dt, long seed, long offset, double low, double high, int[] shape) {
        checkFloat("uniform", dt);
        if (!(low <= high)) throw new IllegalArgumentException("uniform: low " + low + " > high " + high);
        int n = Shape.numel(shape);
        float[] u = new float[n];
        parallelBlocks(n, (s, e) -> Philox.uniformUnit(seed, offset + s, u, s, e - s));
        if (dt == DType.F64) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = low + (high - low) * u[i];
            return HostArrays.wrap(d, dt, shape);
        }
        float lo = (float) low, span = (float) high - lo; // two float roundings, no FMA: what GPU ports compute
        for (int i = 0; i < n; i++) {
            float scaled = span * u[i];
            u[i] = lo + scaled;
        }
        return HostArrays.fromFloats(u, dt, shape);
    }

    static Tensor normal(DType dt, long seed, long offset, double mean, double std, int[] shape) {
        checkFloat("normal", dt);
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        int n = Shape.numel(shape);
        double[] z = new double[n];
        parallelBlocks(n, (s, e) -> Philox.standardNormal(seed, offset + s, z, s, e - s));
        for (int i = 0; i < n; i++) z[i] = mean + std * z[i];
        return HostArrays.fromDoubles(z, dt, shape);
    }
}
