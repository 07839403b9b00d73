/*
 * Fused scaled-dot-product attention, forward and backward, with an online softmax: no Lq x Lk score
 * matrix is ever stored. q [B,H,Lq,D], k [B,H,Lk,D], v [B,H,Lk,Dv] as strided views (rank-4 View structs,
 * uncoalesced); optional additive mask view already broadcast to [B,H,Lq,Lk]; causal hides j > i.
 * A query whose keys are all hidden gets zeros and logsumexp -inf. CPU reference: CpuBackend.attention
 * and attentionBackward.
 *
 * Forward: a block of ATT_BQ threads owns ATT_BQ queries of one (b,h), one query per thread; key/value
 * tiles of ATT_BK rows are staged in local memory and the running max / sum / output are rescaled once
 * per tile. Backward (FlashAttention-2 style, recomputing probabilities from the saved logsumexp):
 * delta_i = dO_i . O_i; dQ with a thread per query over key tiles; dK, dV with a thread per key over
 * query tiles. Head dims up to ATT_DMAX; the forward pass has fixed-dim copies for 40, 64 and 80.
 */
#include "unitune_dialect.h"

#define ATT_BQ 64
#define ATT_BK 32
#define ATT_DMAX 160

typedef struct {
    int B, H, Lq, Lk, D, Dv;
    int causal, hasMask;
    int scaleBits; /* the f32 scale as bits: struct args are all ints */
} AttnGeom;

DEVICE int at4(View v, int b, int h, int i, int d) {
    return v.offset + b * v.strides[0] + h * v.strides[1] + i * v.strides[2] + d * v.strides[3];
}

/* Additive mask and causal rule for score (i, j); -inf hides the key. */
DEVICE float mask_term(AttnGeom g, View mv, GLOBAL const float* mask, int b, int h, int i, int j) {
    if (g.causal && j > i) return -INF_F32;
    return g.hasMask ? mask[at4(mv, b, h, i, j)] : 0.0f;
}

/*
 * The forward kernel, defined once as a macro so that common head dims get their own copy with the dims
 * as compile-time constants: then the per-thread q row, the accumulator and the score tile are
 * fully unrolled register arrays instead of arrays indexed at run time (local memory on a GPU).
 * DQ/DV are the dims used in loops (g.D/g.Dv or constants), QCAP/VCAP the array sizes.
 */
#define DEFINE_ATTENTION_FORWARD(NAME, DQ, DV, QCAP, VCAP) \
KERNEL void NAME(AttnGeom g, View qv, GLOBAL const float* q, View kv, GLOBAL const float* k, \
                 View vv, GLOBAL const float* v, View mv, GLOBAL const float* mask, \
                 GLOBAL float* out, GLOBAL float* lse) { \
    LOCAL float ks[ATT_BK][QCAP]; \
    LOCAL float vs[ATT_BK][VCAP]; \
    int bh = BLOCK_Y, b = bh / g.H, h = bh % g.H; \
    int i = BLOCK_X * ATT_BQ + THREAD_X; \
    int active = i < g.Lq; \
    float qr[QCAP], acc[VCAP]; \
    for (int d = 0; d < DQ; d++) qr[d] = active ? q[at4(qv, b, h, i, d)] * AS_FLOAT(g.scaleBits) : 0.0f; \
    for (int d = 0; d < DV; d++) acc[d] = 0.0f; \
    float m = -INF_F32, l = 0.0f; \
    for (int j0 = 0; j0 < g.Lk; j0 += ATT_BK) { \
        for (int e = THREAD_X; e < ATT_BK * DQ; e += ATT_BQ) { \
            int jj = e / DQ, d = e % DQ, j = j0 + jj; \
            ks[jj][d] = j < g.Lk ? k[at4(kv, b, h, j, d)] : 0.0f; \
        } \
        for (int e = THREAD_X; e < ATT_BK * DV; e += ATT_BQ) { \
            int jj = e / DV, d = e % DV, j = j0 + jj; \
            vs[jj][d] = j < g.Lk ? v[at4(vv, b, h, j, d)] : 0.0f; \
        } \
        BARRIER(); \
        if (active) { \
            float s[ATT_BK]; \
            float tileMax = -INF_F32; \
            for (int jj = 0; jj < ATT_BK; jj++) { \
                int j = j0 + jj; \
                float sc = -INF_F32; \
                if (j < g.Lk) { \
                    float dot = 0.0f; \
                    for (int d = 0; d < DQ; d++) dot = fmaf(qr[d], ks[jj][d], dot); \
                    sc = dot + mask_term(g, mv, mask, b, h, i, j); \
                } \
                s[jj] = sc; \
                tileMax = fmaxf(tileMax, sc); \
            } \
            if (tileMax > -INF_F32) { \
                float mNew = fmaxf(m, tileMax); \
                float corr = expf(m - mNew); /* m = -inf the first time: corr = 0 */ \
                l *= corr; \
                for (int d = 0; d < DV; d++) acc[d] *= corr; \
                for (int jj = 0; jj < ATT_BK; jj++) { \
                    float p = expf(s[jj] - mNew); \
                    l += p; \
                    for (int d = 0; d < DV; d++) acc[d] = fmaf(p, vs[jj][d], acc[d]); \
                } \
                m = mNew; \
            } \
        } \
        BARRIER(); \
    } \
    if (active) { \
        int row = (b * g.H + h) * g.Lq + i; \
        float inv = l > 0.0f ? 1.0f / l : 0.0f; \
        for (int d = 0; d < DV; d++) out[(i64) row * DV + d] = acc[d] * inv; \
        lse[row] = l > 0.0f ? m + logf(l) : -INF_F32; \
    } \
}

DEFINE_ATTENTION_FORWARD(attention_forward, g.D, g.Dv, ATT_DMAX, ATT_DMAX)
DEFINE_ATTENTION_FORWARD(attention_forward_d40, 40, 40, 40, 40)
DEFINE_ATTENTION_FORWARD(attention_forward_d64, 64, 64, 64, 64)
DEFINE_ATTENTION_FORWARD(attention_forward_d80, 80, 80, 80, 80)

/* delta[row] = sum_d dO[row, d] * O[row, d]; one thread per query row. */
KERNEL void attention_backward_delta(AttnGeom g, View dov, GLOBAL const float* dO, View ov, GLOBAL const float* o,
                                     GLOBAL float* delta) {
    int rows = g.B * g.H * g.Lq;
    for (int r = BLOCK_X * BLOCK_DIM_X + THREAD_X; r < rows; r += GRID_DIM_X * BLOCK_DIM_X) {
        int i = r % g.Lq, bh = r / g.Lq, b = bh / g.H, h = bh % g.H;
        float s = 0.0f;
        for (int d = 0; d < g.Dv; d++) s = fmaf(dO[at4(dov, b, h, i, d)], o[at4(ov, b, h, i, d)], s);
        delta[r] = s;
    }
}

/* p_ij recomputed from the saved logsumexp; 0 for hidden keys and for rows with no visible key. */
DEVICE float attn_prob(float score, float lseRow) {
    return (lseRow == -INF_F32 || score == -INF_F32) ? 0.0f : expf(score - lseRow);
}

KERNEL void attention_backward_dq(AttnGeom g, View qv, GLOBAL const float* q, View kv, GLOBAL const float* k,
                                  View vv, GLOBAL const float* v, View mv, GLOBAL const float* mask,
                                  View dov, GLOBAL const float* dO, GLOBAL const float* lse, GLOBAL const float* delta,
                                  GLOBAL float* dq) {
    LOCAL float ks[ATT_BK][ATT_DMAX];
    LOCAL float vs[ATT_BK][ATT_DMAX];
    int bh = BLOCK_Y, b = bh / g.H, h = bh % g.H;
    int i = BLOCK_X * ATT_BQ + THREAD_X;
    int active = i < g.Lq;
    int row = (b * g.H + h) * g.Lq + (active ? i : 0);
    float qr[ATT_DMAX], dor[ATT_DMAX], acc[ATT_DMAX];
    for (int d = 0; d < g.D; d++) { qr[d] = active ? q[at4(qv, b, h, i, d)] * AS_FLOAT(g.scaleBits) : 0.0f; acc[d] = 0.0f; }
    for (int d = 0; d < g.Dv; d++) dor[d] = active ? dO[at4(dov, b, h, i, d)] : 0.0f;
    float lseRow = lse[row], deltaRow = delta[row];
    for (int j0 = 0; j0 < g.Lk; j0 += ATT_BK) {
        for (int e = THREAD_X; e < ATT_BK * g.D; e += ATT_BQ) {
            int jj = e / g.D, d = e % g.D, j = j0 + jj;
            ks[jj][d] = j < g.Lk ? k[at4(kv, b, h, j, d)] : 0.0f;
        }
        for (int e = THREAD_X; e < ATT_BK * g.Dv; e += ATT_BQ) {
            int jj = e / g.Dv, d = e % g.Dv, j = j0 + jj;
            vs[jj][d] = j < g.Lk ? v[at4(vv, b, h, j, d)] : 0.0f;
        }
        BARRIER();
        if (active) {
            for (int jj = 0; jj < ATT_BK && j0 + jj < g.Lk; jj++) {
                int j = j0 + jj;
                float dot = 0.0f;
                for (int d = 0; d < g.D; d++) dot = fmaf(qr[d], ks[jj][d], dot);
                float p = attn_prob(dot + mask_term(g, mv, mask, b, h, i, j), lseRow);
                if (p == 0.0f) continue;
                float dp = 0.0f;
                for (int d = 0; d < g.Dv; d++) dp = fmaf(dor[d], vs[jj][d], dp);
                float ds = p * (dp - deltaRow) * AS_FLOAT(g.scaleBits);
                for (int d = 0; d < g.D; d++) acc[d] = fmaf(ds, ks[jj][d], acc[d]);
            }
        }
        BARRIER();
    }
    if (active) for (int d = 0; d < g.D; d++) dq[(i64) row * g.D + d] = acc[d];
}

KERNEL void attention_backward_dkdv(AttnGeom g, View qv, GLOBAL const float* q, View kv, GLOBAL const float* k,
                                    View vv, GLOBAL const float* v, View mv, GLOBAL const float* mask,
                                    View dov, GLOBAL const float* dO, GLOBAL const float* lse, GLOBAL const float* delta,
                                    GLOBAL float* dk, GLOBAL float* dv) {
    LOCAL float qs[ATT_BK][ATT_DMAX];
    LOCAL float dos[ATT_BK][ATT_DMAX];
    LOCAL float lses[ATT_BK];
    LOCAL float deltas[ATT_BK];
    int bh = BLOCK_Y, b = bh / g.H, h = bh % g.H;
    int j = BLOCK_X * ATT_BQ + THREAD_X;
    int active = j < g.Lk;
    float kr[ATT_DMAX], vr[ATT_DMAX], dka[ATT_DMAX], dva[ATT_DMAX];
    for (int d = 0; d < g.D; d++) { kr[d] = active ? k[at4(kv, b, h, j, d)] : 0.0f; dka[d] = 0.0f; }
    for (int d = 0; d < g.Dv; d++) { vr[d] = active ? v[at4(vv, b, h, j, d)] : 0.0f; dva[d] = 0.0f; }
    for (int i0 = 0; i0 < g.Lq; i0 += ATT_BK) {
        for (int e = THREAD_X; e < ATT_BK * g.D; e += ATT_BQ) {
            int ii = e / g.D, d = e % g.D, i = i0 + ii;
            qs[ii][d] = i < g.Lq ? q[at4(qv, b, h, i, d)] * AS_FLOAT(g.scaleBits) : 0.0f;
        }
        for (int e = THREAD_X; e < ATT_BK * g.Dv; e += ATT_BQ) {
            int ii = e / g.Dv, d = e % g.Dv, i = i0 + ii;
            dos[ii][d] = i < g.Lq ? dO[at4(dov, b, h, i, d)] : 0.0f;
        }
        for (int ii = THREAD_X; ii < ATT_BK; ii += ATT_BQ) {
            int i = i0 + ii, row = (b * g.H + h) * g.Lq + i;
            lses[ii] = i < g.Lq ? lse[row] : -INF_F32;
            deltas[ii] = i < g.Lq ? delta[row] : 0.0f;
        }
        BARRIER();
        if (active) {
            for (int ii = 0; ii < ATT_BK && i0 + ii < g.Lq; ii++) {
                int i = i0 + ii;
                float dot = 0.0f;
                for (int d = 0; d < g.D; d++) dot = fmaf(qs[ii][d], kr[d], dot);
                float p = attn_prob(dot + mask_term(g, mv, mask, b, h, i, j), lses[ii]);
                if (p == 0.0f) continue;
                float dp = 0.0f;
                for (int d = 0; d < g.Dv; d++) {
                    dva[d] = fmaf(p, dos[ii][d], dva[d]);
                    dp = fmaf(dos[ii][d], vr[d], dp);
                }
                float ds = p * (dp - deltas[ii]); /* qs already carries the scale */
                for (int d = 0; d < g.D; d++) dka[d] = fmaf(ds, qs[ii][d], dka[d]);
            }
        }
        BARRIER();
    }
    if (active) {
        int row = (b * g.H + h) * g.Lk + j;
        for (int d = 0; d < g.D; d++) dk[(i64) row * g.D + d] = dka[d];
        for (int d = 0; d < g.Dv; d++) dv[(i64) row * g.Dv + d] = dva[d];
    }
}
