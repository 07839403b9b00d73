package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Random;

/** Small tensor factories for tests (CPU backend). */
public final class TestTensors {
    private TestTensors() {}

    public static Backend cpu() { return Backends.cpu(); }

    public static Tensor f64(double[] data, int... shape) { return cpu().fromHost(data, DType.F64, shape); }

    public static Tensor f32(float[] data, int... shape) { return cpu().fromHost(data, DType.F32, shape); }

    public static Tensor i64(long[] data, int... shape) { return cpu().fromHost(data, DType.I64, shape); }

    /** Uniform [lo, hi) doubles from java.util.Random (independent of the backend's own RNG). */
    public static Tensor randF64(Random r, double lo, double hi, int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * r.nextDouble();
        return f64(d, shape);
    }

    public static Tensor randF32(Random r, double lo, double hi, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return f32(d, shape);
    }

    /** Values bounded away from 0 in magnitude: sign random, |x| in [lo, hi). */
    public static Tensor randAwayFromZero(Random r, double lo, double hi, int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble());
        return f64(d, shape);
    }

    public static double maxAbsDiff(Tensor a, Tensor b) {
        if (!a.sameShape(b)) throw new AssertionError("shapes differ: " + Shape.str(a.shape()) + " vs " + Shape.str(b.shape()));
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }
}
