package dev.unitune.kernels;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers for device-vs-CPU tests: the same random data on both backends, and elementwise closeness. */
final class Compare {
    private Compare() {}

    /** Uniform [-1, 1) floats from a seeded java.util.Random. */
    static float[] randoms(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 2 - 1;
        return a;
    }

    /** The same values as an F32 tensor on each backend (index 0: CPU, 1: device). */
    static Tensor[] pair(Backend device, long seed, int... shape) {
        float[] v = randoms(seed, Shape.numel(shape));
        return new Tensor[] {Backends.cpu().fromHost(v, DType.F32, shape), device.fromHost(v.clone(), DType.F32, shape)};
    }

    /** Same tensors cast to a dtype on both backends. */
    static Tensor[] cast(Tensor[] p, DType d) { return new Tensor[] {p[0].to(d), p[1].to(d)}; }

    /** |device - cpu| <= atol + rtol * |cpu| everywhere (torch.testing.assert_close's rule); NaN must match NaN. */
    static void assertClose(String what, Tensor cpu, Tensor device, double rtol, double atol) {
        assertArrayEquals(cpu.shape(), device.shape(), what + ": shape");
        assertEquals(cpu.dtype(), device.dtype(), what + ": dtype");
        float[] e = cpu.toFloatArray(), a = device.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) && Float.isNaN(a[i])) continue;
            if (e[i] == a[i]) continue; // equal infinities
            double err = Math.abs((double) a[i] - e[i]);
            if (!(err <= atol + rtol * Math.abs(e[i])))
                fail(what + ": element " + i + " of " + Shape.str(cpu.shape()) + ": device " + a[i] + " vs cpu " + e[i]
                        + " (|diff| " + err + " > atol " + atol + " + rtol " + rtol + ")");
        }
    }

    /** Integer/boolean results must match exactly. */
    static void assertExact(String what, Tensor cpu, Tensor device) {
        assertArrayEquals(cpu.shape(), device.shape(), what + ": shape");
        assertEquals(cpu.dtype(), device.dtype(), what + ": dtype");
        assertArrayEquals(cpu.toDoubleArray(), device.toDoubleArray(), what);
    }
}
