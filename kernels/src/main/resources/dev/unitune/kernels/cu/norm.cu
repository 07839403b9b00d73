/*
 * Group norm and layer norm, forward and backward, as one "row" formulation: row r holds `inner`
 * consecutive elements (flat row-major index r*inner + j of x); element j uses affine parameter
 * chanBase(r) + j / S, with chanBase = (r % groups) * Cg. Group norm: rows = N*G, inner = Cg*S,
 * S = spatial size. Layer norm: groups = 1, S = 1, Cg = inner. Statistics in f32, two passes
 * (mean, then squared deviations; population variance). CPU reference: CpuBackend.groupNorm,
 * groupNormBackward, layerNorm, layerNormBackward.
 */
#include "unitune_dialect.h"

typedef struct {
    int rows, inner, groups, S, Cg, params;
    int hasWeight, hasBias;
    int epsBits; /* f32 eps as bits */
} NormGeom;

KERNEL void norm_forward(NormGeom g, View xv, GLOBAL const u8* x, int dt, GLOBAL const float* w, GLOBAL const float* bias,
                         GLOBAL u8* out, GLOBAL float* meanOut, GLOBAL float* rstdOut) {
    LOCAL float scratch[256];
    int r = BLOCK_X, base = r * g.inner, chanBase = (r % g.groups) * g.Cg;
    float s = 0.0f;
    for (int j = THREAD_X; j < g.inner; j += BLOCK_DIM_X) s += load_as_f32(x, dt, view_index(xv, base + j));
    float mean = block_reduce(scratch, s, RED_SUM) / (float) g.inner;
    float sq = 0.0f;
    for (int j = THREAD_X; j < g.inner; j += BLOCK_DIM_X) {
        float d = load_as_f32(x, dt, view_index(xv, base + j)) - mean;
        sq += d * d;
    }
    float var = block_reduce(scratch, sq, RED_SUM) / (float) g.inner;
    float rstd = 1.0f / sqrtf(var + AS_FLOAT(g.epsBits));
    for (int j = THREAD_X; j < g.inner; j += BLOCK_DIM_X) {
        int c = chanBase + j / g.S;
        float y = (load_as_f32(x, dt, view_index(xv, base + j)) - mean) * rstd;
        if (g.hasWeight) y *= w[c];
        if (g.hasBias) y += bias[c];
        store_from_f32(out, dt, base + j, y);
    }
    if (THREAD_X == 0) { meanOut[r] = mean; rstdOut[r] = rstd; }
}

/* dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = dy * w. One block per row. */
KERNEL void norm_backward_input(NormGeom g, View dyv, GLOBAL const u8* dy, View xv, GLOBAL const u8* x, int dt,
                                GLOBAL const float* mean, GLOBAL const float* rstd, GLOBAL const float* w, GLOBAL u8* dx) {
    LOCAL float scratch[256];
    int r = BLOCK_X, base = r * g.inner, chanBase = (r % g.groups) * g.Cg;
    float mu = mean[r], rs = rstd[r];
    float s1 = 0.0f, s2 = 0.0f;
    for (int j = THREAD_X; j < g.inner; j += BLOCK_DIM_X) {
        float gw = load_as_f32(dy, dt, view_index(dyv, base + j)) * (g.hasWeight ? w[chanBase + j / g.S] : 1.0f);
        float xhat = (load_as_f32(x, dt, view_index(xv, base + j)) - mu) * rs;
        s1 += gw;
        s2 += gw * xhat;
    }
    float m1 = block_reduce(scratch, s1, RED_SUM) / (float) g.inner;
    float m2 = block_reduce(scratch, s2, RED_SUM) / (float) g.inner;
    for (int j = THREAD_X; j < g.inner; j += BLOCK_DIM_X) {
        float gw = load_as_f32(dy, dt, view_index(dyv, base + j)) * (g.hasWeight ? w[chanBase + j / g.S] : 1.0f);
        float xhat = (load_as_f32(x, dt, view_index(xv, base + j)) - mu) * rs;
        store_from_f32(dx, dt, base + j, rs * (gw - m1 - xhat * m2));
    }
}

/*
 * dWeight[p] = sum dy * xhat and dBias[p] = sum dy over every element that uses parameter p. With
 * outer = rows / groups: element (n, p, s) sits at flat ((n * params + p) * S + s) and its row is
 * n * groups + p / Cg (group norm); layer norm has S = 1, params = inner. One block per parameter.
 */
KERNEL void norm_backward_params(NormGeom g, View dyv, GLOBAL const u8* dy, View xv, GLOBAL const u8* x, int dt,
                                 GLOBAL const float* mean, GLOBAL const float* rstd, GLOBAL float* dw, GLOBAL float* db) {
    LOCAL float scratch[256];
    int p = BLOCK_X;
    int outer = g.rows / g.groups;
    int count = outer * g.S;
    float sw = 0.0f, sb = 0.0f;
    for (int e = THREAD_X; e < count; e += BLOCK_DIM_X) {
        int n = e / g.S, s = e % g.S;
        int flat = (n * g.params + p) * g.S + s;
        int row = n * g.groups + p / g.Cg;
        float gy = load_as_f32(dy, dt, view_index(dyv, flat));
        float xhat = (load_as_f32(x, dt, view_index(xv, flat)) - mean[row]) * rstd[row];
        sw += gy * xhat;
        sb += gy;
    }
    sw = block_reduce(scratch, sw, RED_SUM);
    sb = block_reduce(scratch, sb, RED_SUM);
    if (THREAD_X == 0) { dw[p] = sw; db[p] = sb; }
}
