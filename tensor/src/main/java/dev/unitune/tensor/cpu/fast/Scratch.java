package dev.unitune.tensor.cpu.fast;

import java.lang.ref.SoftReference;

/**
 * Per-thread scratch arrays that grow and are reused, so large temporaries (Winograd's transformed
 * weights and tiles) are not re-allocated and page-faulted on every call. Held through soft references:
 * the collector may drop them under memory pressure (the next call allocates again). Contents are
 * undefined on return: callers overwrite every element they read.
 */
final class Scratch {
    private Scratch() {}

    static final int WINOGRAD_V = 0, WINOGRAD_M = 1, WINOGRAD_U = 2, FUSED_V = 3, FUSED_M = 4, FUSED_ROWS = 5, COUNT = 6;

    @SuppressWarnings("unchecked")
    private static final ThreadLocal<SoftReference<float[]>[]> BUFFERS =
            ThreadLocal.withInitial(() -> (SoftReference<float[]>[]) new SoftReference<?>[COUNT]);

    static float[] get(int slot, int size) {
        SoftReference<float[]>[] refs = BUFFERS.get();
        float[] b = refs[slot] == null ? null : refs[slot].get();
        if (b == null || b.length < size) {
            b = new float[size];
            refs[slot] = new SoftReference<>(b);
        }
        return b;
    }
}
