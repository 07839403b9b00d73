/*
 * Row reductions: the Java side permutes the reduced axes last, so row r of a [rows, inner] view is
 * reduced into out[r]. SUM/MEAN/MAX/MIN/PROD and VARIANCE (two passes: mean, then squared deviations).
 * CPU reference: CpuBackend.reduce and CpuBackend.variance. Accumulation is in f32.
 * Two shapes of launch: a block of threads per row (long rows) or a thread per row (short rows).
 */
#include "unitune_dialect.h"

#define RED_VARIANCE 5

KERNEL void reduce_rows_block(int op, View x, GLOBAL const u8* in, int dt, int rows, int inner,
                              GLOBAL u8* out, int outDt, int correction) {
    LOCAL float scratch[256];
    int r = BLOCK_X;
    int base = r * inner;
    int combineOp = op == RED_VARIANCE ? RED_SUM : op;
    float acc = red_identity(combineOp);
    for (int j = THREAD_X; j < inner; j += BLOCK_DIM_X)
        acc = red_combine(combineOp, acc, load_as_f32(in, dt, view_index(x, base + j)));
    float total = block_reduce(scratch, acc, combineOp);
    /* Second pass for the variance; for other ops it runs zero iterations, but every thread still
       reaches the barrier inside block_reduce (no barrier under a condition). */
    float mean = total / (float) inner;
    int secondPass = op == RED_VARIANCE ? inner : 0;
    float sq = 0.0f;
    for (int j = THREAD_X; j < secondPass; j += BLOCK_DIM_X) {
        float d = load_as_f32(in, dt, view_index(x, base + j)) - mean;
        sq += d * d;
    }
    sq = block_reduce(scratch, sq, RED_SUM);
    if (op == RED_VARIANCE) total = sq / (float) (inner - correction);
    else if (op == RED_MEAN) total = mean;
    if (THREAD_X == 0) store_from_f32(out, outDt, r, total);
}

KERNEL void reduce_rows_thread(int op, View x, GLOBAL const u8* in, int dt, int rows, int inner,
                               GLOBAL u8* out, int outDt, int correction) {
    for (int r = BLOCK_X * BLOCK_DIM_X + THREAD_X; r < rows; r += GRID_DIM_X * BLOCK_DIM_X) {
        int base = r * inner;
        int combineOp = op == RED_VARIANCE ? RED_SUM : op;
        float acc = red_identity(combineOp);
        for (int j = 0; j < inner; j++) acc = red_combine(combineOp, acc, load_as_f32(in, dt, view_index(x, base + j)));
        if (op == RED_VARIANCE) {
            float mean = acc / (float) inner;
            float sq = 0.0f;
            for (int j = 0; j < inner; j++) {
                float d = load_as_f32(in, dt, view_index(x, base + j)) - mean;
                sq += d * d;
            }
            acc = sq / (float) (inner - correction);
        } else if (op == RED_MEAN) {
            acc = acc / (float) inner;
        }
        store_from_f32(out, outDt, r, acc);
    }
}
