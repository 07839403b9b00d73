package dev.unitune.autograd;

/**
 * A Philox stream position: a seed and a running counter offset. Backends draw element i of a random
 * tensor from counter {@code offset + i} (see Backend#uniform), so handing out disjoint offset ranges gives
 * independent, reproducible numbers on every backend. Gradient checkpointing saves and restores the
 * default generator's state so a recomputed dropout draws the same mask.
 */
public final class Generator {
    private static volatile Generator defaultGenerator = new Generator(0);

    private final long seed;
    private long offset;

    public Generator(long seed) { this.seed = seed; }

    public Generator(long seed, long offset) {
        this.seed = seed;
        this.offset = offset;
    }

    /** The process-wide generator used by dropout and init when none is given. */
    public static Generator defaultGenerator() { return defaultGenerator; }

    /** Replaces the default generator with a fresh one at offset 0 (like torch.manual_seed). */
    public static void manualSeed(long seed) { defaultGenerator = new Generator(seed); }

    /** Installs g as the default generator and returns the previous one (used to replay a stream). */
    static Generator swapDefault(Generator g) {
        Generator prev = defaultGenerator;
        defaultGenerator = g;
        return prev;
    }

    public long seed() { return seed; }

    public synchronized long offset() { return offset; }

    public synchronized void setOffset(long offset) {
        if (offset < 0) throw new IllegalArgumentException("negative Philox offset " + offset);
        this.offset = offset;
    }

    /** Reserves n counters and returns the first. */
    public synchronized long take(long n) {
        long o = offset;
        offset += n;
        return o;
    }

    @Override
    public String toString() { return "Generator(seed " + seed + ", offset " + offset + ")"; }
}
