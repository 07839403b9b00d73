package dev.unitune.model.unet;

/**
 * Source indices of PyTorch's {@code F.interpolate(mode="nearest")} along one axis when resizing to an
 * explicit size: src = min(floor(dst * (in / out)), in - 1), the scale computed in float32 as PyTorch does.
 * Used when an up block must match a skip connection whose size is not exactly twice its input.
 */
public final class NearestIndex {
    private NearestIndex() {}

    public static long[] of(int inSize, int outSize) {
        if (inSize <= 0 || outSize <= 0) throw new IllegalArgumentException("nearest resize from " + inSize + " to " + outSize);
        float scale = (float) inSize / (float) outSize;
        long[] idx = new long[outSize];
        for (int i = 0; i < outSize; i++) idx[i] = Math.min((long) Math.floor((float) i * scale), inSize - 1);
        return idx;
    }
}
