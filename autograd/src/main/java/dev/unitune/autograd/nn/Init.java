package dev.unitune.autograd.nn;

import dev.unitune.autograd.Generator;
import dev.unitune.tensor.Tensor;

/**
 * PyTorch's default initialisations, drawn from Philox through the current {@link InitContext} (so a seed
 * reproduces a model on every backend). With init switched off, parameters are zeros.
 */
public final class Init {
    private Init() {}

    /**
     * kaiming_uniform_(a=sqrt(5)) as nn.Linear / nn.Conv2d use: bound = gain * sqrt(3 / fan_in) with
     * gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), i.e. bound = 1 / sqrt(fan_in).
     */
    public static Parameter kaimingUniform(int fanIn, int... shape) { return uniform(1 / Math.sqrt(Math.max(fanIn, 1)), shape); }

    /** uniform(-bound, bound): the default bias init with bound = 1 / sqrt(fan_in). */
    public static Parameter uniform(double bound, int... shape) {
        InitContext c = InitContext.current();
        if (!c.initialise()) return zeros(shape);
        Generator g = c.generator();
        long offset = g.take(numel(shape));
        return new Parameter(c.backend().uniform(c.dtype(), g.seed(), offset, -bound, bound, shape));
    }

    /** N(mean, std), e.g. nn.Embedding's N(0, 1). */
    public static Parameter normal(double mean, double std, int... shape) {
        InitContext c = InitContext.current();
        if (!c.initialise()) return zeros(shape);
        Generator g = c.generator();
        long offset = g.take(numel(shape));
        return new Parameter(c.backend().normal(c.dtype(), g.seed(), offset, mean, std, shape));
    }

    public static Parameter ones(int... shape) { return constant(1, shape); }

    public static Parameter zeros(int... shape) { return constant(0, shape); }

    public static Parameter constant(double value, int... shape) {
        InitContext c = InitContext.current();
        return new Parameter(c.backend().fill(c.dtype(), value, shape));
    }

    /** A tensor (e.g. a buffer) on the current context's backend and dtype. */
    static Tensor filled(double value, int... shape) {
        InitContext c = InitContext.current();
        return c.backend().fill(c.dtype(), value, shape);
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
