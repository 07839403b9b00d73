/*
 * Softmax and log-softmax over rows, forward and backward. The Java side permutes the softmax axis last
 * and passes views for input(s) and output with the same permutation, so no copies are made.
 * CPU reference: CpuBackend.softmax, logSoftmax, softmaxBackward, logSoftmaxBackward.
 * Numerics: max subtracted before exp; sums in f32.
 */
#include "unitune_dialect.h"

/* One block per row. */
KERNEL void softmax_rows_block(int logMode, View x, GLOBAL const u8* in, int dt, View y, GLOBAL u8* out, int inner) {
    LOCAL float scratch[256];
    int base = BLOCK_X * inner;
    float m = -INF_F32;
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X) m = red_combine(RED_MAX, m, load_as_f32(in, dt, view_index(x, base + j)));
    m = block_reduce(scratch, m, RED_MAX);
    float s = 0.0f;
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X) s += expf(load_as_f32(in, dt, view_index(x, base + j)) - m);
    s = block_reduce(scratch, s, RED_SUM);
    float logS = logf(s);
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X) {
        float v = load_as_f32(in, dt, view_index(x, base + j)) - m;
        store_from_f32(out, dt, view_index(y, base + j), logMode ? v - logS : expf(v) / s);
    }
}

/* One thread per row, for short rows. */
KERNEL void softmax_rows_thread(int logMode, View x, GLOBAL const u8* in, int dt, View y, GLOBAL u8* out, int inner, int rows) {
    for (int r = BLOCK_X * BLOCK_DIM_X + THREAD_X; r < rows; r += GRID_DIM_X * BLOCK_DIM_X) {
        int base = r * inner;
        float m = -INF_F32;
        for (int j = 0; j < inner; j++) m = red_combine(RED_MAX, m, load_as_f32(in, dt, view_index(x, base + j)));
        float s = 0.0f;
        for (int j = 0; j < inner; j++) s += expf(load_as_f32(in, dt, view_index(x, base + j)) - m);
        float logS = logf(s);
        for (int j = 0; j < inner; j++) {
            float v = load_as_f32(in, dt, view_index(x, base + j)) - m;
            store_from_f32(out, dt, view_index(y, base + j), logMode ? v - logS : expf(v) / s);
        }
    }
}

/* softmax: dx = y * (gy - sum(gy * y)); log-softmax: dx = gy - exp(y) * sum(gy). One block per row. */
KERNEL void softmax_backward_rows_block(int logMode, View y, GLOBAL const u8* yin, View gy, GLOBAL const u8* gyin, int dt,
                                        View dx, GLOBAL u8* out, int inner) {
    LOCAL float scratch[256];
    int base = BLOCK_X * inner;
    float s = 0.0f;
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X) {
        float g = load_as_f32(gyin, dt, view_index(gy, base + j));
        s += logMode ? g : g * load_as_f32(yin, dt, view_index(y, base + j));
    }
    s = block_reduce(scratch, s, RED_SUM);
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X) {
        float g = load_as_f32(gyin, dt, view_index(gy, base + j));
        float yv = load_as_f32(yin, dt, view_index(y, base + j));
        store_from_f32(out, dt, view_index(dx, base + j), logMode ? g - expf(yv) * s : yv * (g - s));
    }
}

KERNEL void softmax_backward_rows_thread(int logMode, View y, GLOBAL const u8* yin, View gy, GLOBAL const u8* gyin, int dt,
                                         View dx, GLOBAL u8* out, int inner, int rows) {
    for (int r = BLOCK_X * BLOCK_DIM_X + THREAD_X; r < rows; r += GRID_DIM_X * BLOCK_DIM_X) {
        int base = r * inner;
        float s = 0.0f;
        for (int j = 0; j < inner; j++) {
            float g = load_as_f32(gyin, dt, view_index(gy, base + j));
            s += logMode ? g : g * load_as_f32(yin, dt, view_index(y, base + j));
        }
        for (int j = 0; j < inner; j++) {
            float g = load_as_f32(gyin, dt, view_index(gy, base + j));
            float yv = load_as_f32(yin, dt, view_index(y, base + j));
            store_from_f32(out, dt, view_index(dx, base + j), logMode ? g - expf(yv) * s : yv * (g - s));
        }
    }
}
