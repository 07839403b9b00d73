/*
 * Nearest upsampling, average pooling and max pooling over the last two dims, forward and backward.
 * Leading dims are flattened into planes; inputs are any strided view (flat row-major indexing through a
 * View). Backward passes gather (each input element sums the windows that read it) instead of
 * scattering, so there are no atomics and results are deterministic.
 * CPU reference: CpuBackend.upsampleNearest(+Backward), avgPool2d(+Backward), maxPool2d(+Backward).
 */
#include "unitune_dialect.h"

typedef struct {
    int planes, H, W, OH, OW;
    int kH, kW, sH, sW, pH, pW; /* pooling window; for upsampling kH, kW are the factors */
} PoolGeom;

#define GSL(i, n) for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < (n); i += GRID_DIM_X * BLOCK_DIM_X)

KERNEL void upsample_nearest(PoolGeom g, View xv, GLOBAL const u8* x, int dt, GLOBAL u8* out) {
    int n = g.planes * g.OH * g.OW;
    GSL(i, n) {
        int ow = i % g.OW, t = i / g.OW, oh = t % g.OH, pl = t / g.OH;
        int src = (pl * g.H + oh / g.kH) * g.W + ow / g.kW;
        store_from_f32(out, dt, i, load_as_f32(x, dt, view_index(xv, src)));
    }
}

/* gradOut has the upsampled shape (OH = H*fH); each input pixel sums its fH x fW block. */
KERNEL void upsample_nearest_backward(PoolGeom g, View gv, GLOBAL const u8* gy, int dt, GLOBAL u8* out) {
    int n = g.planes * g.H * g.W;
    GSL(i, n) {
        int w = i % g.W, t = i / g.W, h = t % g.H, pl = t / g.H;
        float s = 0.0f;
        for (int a = 0; a < g.kH; a++)
            for (int b = 0; b < g.kW; b++)
                s += load_as_f32(gy, dt, view_index(gv, (pl * g.OH + h * g.kH + a) * g.OW + w * g.kW + b));
        store_from_f32(out, dt, i, s);
    }
}

/* count_include_pad = true: the divisor is always kH*kW. */
KERNEL void avg_pool(PoolGeom g, View xv, GLOBAL const u8* x, int dt, GLOBAL u8* out) {
    int n = g.planes * g.OH * g.OW;
    GSL(i, n) {
        int ow = i % g.OW, t = i / g.OW, oh = t % g.OH, pl = t / g.OH;
        float s = 0.0f;
        for (int a = 0; a < g.kH; a++) {
            int ih = oh * g.sH - g.pH + a;
            if (ih < 0 || ih >= g.H) continue;
            for (int b = 0; b < g.kW; b++) {
                int iw = ow * g.sW - g.pW + b;
                if (iw >= 0 && iw < g.W) s += load_as_f32(x, dt, view_index(xv, (pl * g.H + ih) * g.W + iw));
            }
        }
        store_from_f32(out, dt, i, s / (float) (g.kH * g.kW));
    }
}

/* Output rows whose window [o*s - p, o*s - p + k) contains input row ih. */
DEVICE int first_window(int ih, int k, int s, int p) {
    int num = ih + p - k + 1;
    return num <= 0 ? 0 : (num + s - 1) / s;
}

KERNEL void avg_pool_backward(PoolGeom g, View gv, GLOBAL const u8* gy, int dt, GLOBAL u8* out) {
    int n = g.planes * g.H * g.W;
    GSL(i, n) {
        int w = i % g.W, t = i / g.W, h = t % g.H, pl = t / g.H;
        float s = 0.0f;
        int oh1 = (h + g.pH) / g.sH, ow1 = (w + g.pW) / g.sW;
        for (int oh = first_window(h, g.kH, g.sH, g.pH); oh <= oh1 && oh < g.OH; oh++)
            for (int ow = first_window(w, g.kW, g.sW, g.pW); ow <= ow1 && ow < g.OW; ow++)
                s += load_as_f32(gy, dt, view_index(gv, (pl * g.OH + oh) * g.OW + ow));
        store_from_f32(out, dt, i, s / (float) (g.kH * g.kW));
    }
}

/* Padding counts as -inf; the first maximum in window order wins; NaN wins. indices are within the plane. */
KERNEL void max_pool(PoolGeom g, View xv, GLOBAL const u8* x, int dt, GLOBAL u8* out, GLOBAL int* indices) {
    int n = g.planes * g.OH * g.OW;
    GSL(i, n) {
        int ow = i % g.OW, t = i / g.OW, oh = t % g.OH, pl = t / g.OH;
        float best = -INF_F32;
        int bestIdx = -1;
        for (int a = 0; a < g.kH; a++) {
            int ih = oh * g.sH - g.pH + a;
            if (ih < 0 || ih >= g.H) continue;
            for (int b = 0; b < g.kW; b++) {
                int iw = ow * g.sW - g.pW + b;
                if (iw < 0 || iw >= g.W) continue;
                float v = load_as_f32(x, dt, view_index(xv, (pl * g.H + ih) * g.W + iw));
                if (bestIdx < 0 || v > best || (v != v && best == best)) { best = v; bestIdx = ih * g.W + iw; }
            }
        }
        store_from_f32(out, dt, i, best);
        indices[i] = bestIdx;
    }
}

KERNEL void max_pool_backward(PoolGeom g, View gv, GLOBAL const u8* gy, int dt, View iv, GLOBAL const int* indices,
                              GLOBAL u8* out) {
    int n = g.planes * g.H * g.W;
    GSL(i, n) {
        int w = i % g.W, t = i / g.W, h = t % g.H, pl = t / g.H;
        int self = h * g.W + w;
        float s = 0.0f;
        int oh1 = (h + g.pH) / g.sH, ow1 = (w + g.pW) / g.sW;
        for (int oh = first_window(h, g.kH, g.sH, g.pH); oh <= oh1 && oh < g.OH; oh++)
            for (int ow = first_window(w, g.kW, g.sW, g.pW); ow <= ow1 && ow < g.OW; ow++) {
                int o = (pl * g.OH + oh) * g.OW + ow;
                if (indices[view_index(iv, o)] == self) s += load_as_f32(gy, dt, view_index(gv, o));
            }
        store_from_f32(out, dt, i, s);
    }
}
