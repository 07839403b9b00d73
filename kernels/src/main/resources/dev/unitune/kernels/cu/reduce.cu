/*
 * Row reductions: the Java side permutes the reduced axes last, so row r of a [rows, inner] view is
 * reduced into out[r]. SUM/MEAN/MAX/MIN/PROD and VARIANCE (two passes: mean, then squared deviations).
 * CPU reference: CpuBackend.reduce and CpuBackend.variance. Accumulation is in f32, in a fixed order
 * (results are deterministic run to run).
 *
 * No barriers or local memory: short rows take one thread each (reduce_rows_thread); long rows are split
 * into `parts` strided slices reduced by separate threads into a partial buffer (reduce_partials), and
 * reduce_finish combines each row's partials. (A block-per-row tree reduction with barriers gave
 * intermittently wrong sums on PoCL 3.1 with more than one worker thread.)
 */
#include "unitune_dialect.h"

#define RED_VARIANCE 5

#define GSL(i, n) for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < (n); i += GRID_DIM_X * BLOCK_DIM_X)

/* partial[r * parts + p] = combine of x[r, j] for j = p, p + parts, ...; with a mean buffer (variance's
   second pass) the squared deviations from mean[r] are summed instead. */
KERNEL void reduce_partials(int op, View x, GLOBAL const u8* in, int dt, int rows, int inner, int parts,
                            GLOBAL const float* mean, int useMean, GLOBAL float* partial) {
    GSL(id, rows * parts) {
        int r = id / parts, p = id % parts, base = r * inner;
        float acc = red_identity(op);
        float mu = useMean ? mean[r] : 0.0f;
        for (int j = p; j < inner; j += parts) {
            float v = load_as_f32(in, dt, view_index(x, base + j));
            if (useMean) {
                float d = v - mu;
                acc += d * d;
            } else {
                acc = red_combine(op, acc, v);
            }
        }
        partial[id] = acc;
    }
}

/* out[r] = combine of the row's partials; MEAN divides by inner, VARIANCE (partials of squared
   deviations) by inner - correction. */
KERNEL void reduce_finish(int op, int rows, int inner, int parts, GLOBAL const float* partial,
                          GLOBAL u8* out, int outDt, int correction) {
    GSL(r, rows) {
        int combineOp = (op == RED_VARIANCE || op == RED_MEAN) ? RED_SUM : op;
        float acc = red_identity(combineOp);
        for (int p = 0; p < parts; p++) acc = red_combine(combineOp, acc, partial[r * parts + p]);
        if (op == RED_MEAN) acc = acc / (float) inner;
        else if (op == RED_VARIANCE) acc = acc / (float) (inner - correction);
        store_from_f32(out, outDt, r, acc);
    }
}

KERNEL void reduce_rows_thread(int op, View x, GLOBAL const u8* in, int dt, int rows, int inner,
                               GLOBAL u8* out, int outDt, int correction) {
    GSL(r, rows) {
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
