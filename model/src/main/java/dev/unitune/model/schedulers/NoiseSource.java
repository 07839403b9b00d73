package dev.unitune.model.schedulers;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

/**
 * Standard normal noise from the backends' counter-based Philox stream: a seed and a running element
 * offset, so a seed reproduces the same noise on every backend and the state is just two numbers.
 */
public final class NoiseSource {
    private final long seed;
    private long offset;

    public NoiseSource(long seed) { this(seed, 0); }

    public NoiseSource(long seed, long offset) {
        this.seed = seed;
        this.offset = offset;
    }

    public long seed() { return seed; }

    /** Elements drawn so far (the Philox counter offset of the next draw). */
    public long offset() { return offset; }

    /** The next numel(shape) normal samples. */
    public Tensor next(Backend backend, DType dtype, int... shape) {
        Tensor t = backend.normal(dtype, seed, offset, 0, 1, shape);
        offset += t.numel();
        return t;
    }
}
