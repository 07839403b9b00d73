package dev.unitune.weights.torch;

/** Caps that keep a hostile pickle from exhausting time or memory. Real SD checkpoints use a tiny fraction. */
public record PickleLimits(long maxPickleBytes, long maxOps, int maxDepth, int maxMemo, int maxStack) {
    /** A full SD checkpoint's data.pkl is a few hundred KB and ~100k opcodes. */
    public static final PickleLimits DEFAULT = new PickleLimits(64L << 20, 20_000_000L, 1_000, 1_000_000, 1_000_000);
}
