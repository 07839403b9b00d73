package dev.unitune.tensor.cpu.fast;

/**
 * Per-thread scratch arrays that grow and are reused, so large temporaries (Winograd's transformed
 * tiles) are not re-allocated and page-faulted on every call. Contents are undefined on return: callers
 * overwrite every element they read.
 */
final class Scratch {
    private Scratch() {}

    static final int WINOGRAD_V = 0, WINOGRAD_M = 1, WINOGRAD_U = 2, COUNT = 3;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[COUNT][0]);

    static float[] get(int slot, int size) {
        float[][] b = BUFFERS.get();
        if (b[slot].length < size) b[slot] = new float[size];
        return b[slot];
    }
}
