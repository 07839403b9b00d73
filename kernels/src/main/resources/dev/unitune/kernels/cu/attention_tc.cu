/*
 * CUDA-only fused attention forward for F16/BF16 q, k, v with head dim D = Dv in {40, 64, 80}, on tensor
 * cores (mma.sync m16n8k16, f32 accumulation), FlashAttention-2 style: a block of 4 warps owns 64 queries
 * of one (b, h), 16 per warp; for each tile of 64 keys, S = Q K^T is computed into registers, scaled,
 * masked (additive mask view, causal rule, keys past Lk), folded into a running row max / sum (online
 * softmax, rows reduced across the 4 threads of a quad with shuffles), and P V is accumulated with P
 * converted to 16-bit A fragments straight from the S accumulators. No score matrix is ever stored.
 * Outputs are f32 (the Java side rounds O to the dtype) plus the f32 logsumexp. CPU reference:
 * CpuBackend.attention (F16/BF16 computed in F32). Geometry and mask rules as attention.cu.
 *
 * Fragment layouts (PTX ISA, m16n8k16): g = lane / 4, t = lane % 4; A regs (g, 2t..), (g+8, 2t..),
 * (g, 2t+8..), (g+8, 2t+8..); B regs k = 2t.., 2t+8.. at n = g; C (g, 2t), (g, 2t+1), (g+8, 2t),
 * (g+8, 2t+1). The C fragments of two adjacent n8 score tiles are exactly the A fragment of a k16 slice
 * of P, which is what makes the P V product free of shared-memory traffic.
 */
#include "unitune_dialect.h"

#define ATC_BQ 64   /* queries per block (4 warps x 16) */
#define ATC_BK 64   /* keys per tile */
#define ATC_PAD 8

typedef struct {          /* must match AttnGeom in attention.cu / AttentionOps.geom */
    int B, H, Lq, Lk, D, Dv;
    int causal, hasMask;
    int scaleBits;
} AttnGeomTc;

DEVICE int atc4(View v, int b, int h, int i, int d) {
    return v.offset + b * v.strides[0] + h * v.strides[1] + i * v.strides[2] + d * v.strides[3];
}

DEVICE void atc_mma(float* d, const u32* a, const u32* b, int bf16) {
    if (bf16) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
}

/* Two floats as one register of 16-bit values, lo in the low half (round to nearest even). */
DEVICE u32 atc_pack(float lo, float hi, int bf16) {
    u32 l = bf16 ? f32_to_bf16(lo) : f32_to_f16(lo);
    u32 h = bf16 ? f32_to_bf16(hi) : f32_to_f16(hi);
    return l | (h << 16);
}

DEVICE float atc_mask(AttnGeomTc g, View mv, const float* mask, int b, int h, int i, int j) {
    if (i >= g.Lq || j >= g.Lk || (g.causal && j > i)) return -INF_F32; /* rows past Lq are padding: never read the mask there */
    return g.hasMask ? mask[atc4(mv, b, h, i, j)] : 0.0f;
}

/* D: head dim; DP: D rounded up to 16 (the k extent of Q K^T, zero padded). */
#define DEFINE_ATTENTION_TC(NAME, D, DP) \
KERNEL void NAME(int isBf16, AttnGeomTc g, View qv, const u16* q, View kv, const u16* k, View vv, const u16* v, \
                 View mv, const float* mask, float* out, float* lse) { \
    __shared__ __align__(16) u16 qs[ATC_BQ][DP + ATC_PAD]; \
    __shared__ __align__(16) u16 ks[ATC_BK][DP + ATC_PAD]; \
    __shared__ __align__(16) u16 vt[D][ATC_BK + ATC_PAD]; \
    int bh = BLOCK_Y, b = bh / g.H, h = bh % g.H; \
    int i0 = BLOCK_X * ATC_BQ; \
    int tid = THREAD_X, warp = tid >> 5, lane = tid & 31, gq = lane >> 2, t = lane & 3; \
    float scale = AS_FLOAT(g.scaleBits); \
    for (int e = tid; e < ATC_BQ * DP; e += 128) { \
        int r = e / DP, d = e % DP, i = i0 + r; \
        qs[r][d] = (i < g.Lq && d < D) ? q[atc4(qv, b, h, i, d)] : (u16) 0; \
    } \
    __syncthreads(); \
    u32 qf[DP / 16][4]; \
    int wr = warp * 16; \
    for (int c = 0; c < DP / 16; c++) { \
        qf[c][0] = *(const u32*) &qs[wr + gq][c * 16 + 2 * t]; \
        qf[c][1] = *(const u32*) &qs[wr + gq + 8][c * 16 + 2 * t]; \
        qf[c][2] = *(const u32*) &qs[wr + gq][c * 16 + 2 * t + 8]; \
        qf[c][3] = *(const u32*) &qs[wr + gq + 8][c * 16 + 2 * t + 8]; \
    } \
    int row0 = i0 + wr + gq, row1 = row0 + 8; \
    float m0 = -INF_F32, m1 = -INF_F32, l0 = 0.0f, l1 = 0.0f; \
    float o[D / 8][4]; \
    for (int dn = 0; dn < D / 8; dn++) for (int r = 0; r < 4; r++) o[dn][r] = 0.0f; \
    for (int j0 = 0; j0 < g.Lk; j0 += ATC_BK) { \
        __syncthreads(); /* the previous tile's ks/vt are no longer read */ \
        for (int e = tid; e < ATC_BK * DP; e += 128) { \
            int r = e / DP, d = e % DP, j = j0 + r; \
            ks[r][d] = (j < g.Lk && d < D) ? k[atc4(kv, b, h, j, d)] : (u16) 0; \
        } \
        for (int e = tid; e < ATC_BK * D; e += 128) { \
            int r = e / D, d = e % D, j = j0 + r; \
            vt[d][r] = j < g.Lk ? v[atc4(vv, b, h, j, d)] : (u16) 0; \
        } \
        __syncthreads(); \
        float s[ATC_BK / 8][4]; \
        for (int jn = 0; jn < ATC_BK / 8; jn++) { \
            for (int r = 0; r < 4; r++) s[jn][r] = 0.0f; \
            for (int c = 0; c < DP / 16; c++) { \
                u32 bf[2]; \
                bf[0] = *(const u32*) &ks[jn * 8 + gq][c * 16 + 2 * t]; \
                bf[1] = *(const u32*) &ks[jn * 8 + gq][c * 16 + 2 * t + 8]; \
                atc_mma(s[jn], qf[c], bf, isBf16); \
            } \
            int j = j0 + jn * 8 + 2 * t; \
            s[jn][0] = s[jn][0] * scale + atc_mask(g, mv, mask, b, h, row0, j); \
            s[jn][1] = s[jn][1] * scale + atc_mask(g, mv, mask, b, h, row0, j + 1); \
            s[jn][2] = s[jn][2] * scale + atc_mask(g, mv, mask, b, h, row1, j); \
            s[jn][3] = s[jn][3] * scale + atc_mask(g, mv, mask, b, h, row1, j + 1); \
        } \
        float tm0 = -INF_F32, tm1 = -INF_F32; \
        for (int jn = 0; jn < ATC_BK / 8; jn++) { \
            tm0 = fmaxf(tm0, fmaxf(s[jn][0], s[jn][1])); \
            tm1 = fmaxf(tm1, fmaxf(s[jn][2], s[jn][3])); \
        } \
        tm0 = fmaxf(tm0, __shfl_xor_sync(0xffffffffu, tm0, 1)); \
        tm0 = fmaxf(tm0, __shfl_xor_sync(0xffffffffu, tm0, 2)); \
        tm1 = fmaxf(tm1, __shfl_xor_sync(0xffffffffu, tm1, 1)); \
        tm1 = fmaxf(tm1, __shfl_xor_sync(0xffffffffu, tm1, 2)); \
        float n0 = fmaxf(m0, tm0), n1 = fmaxf(m1, tm1); \
        /* rows with nothing visible yet keep max -inf: their probabilities are 0, not exp(nan) */ \
        float c0 = n0 == -INF_F32 ? 1.0f : expf(m0 - n0), c1 = n1 == -INF_F32 ? 1.0f : expf(m1 - n1); \
        l0 *= c0; l1 *= c1; \
        for (int dn = 0; dn < D / 8; dn++) { o[dn][0] *= c0; o[dn][1] *= c0; o[dn][2] *= c1; o[dn][3] *= c1; } \
        for (int jn = 0; jn < ATC_BK / 8; jn++) { \
            s[jn][0] = n0 == -INF_F32 ? 0.0f : expf(s[jn][0] - n0); \
            s[jn][1] = n0 == -INF_F32 ? 0.0f : expf(s[jn][1] - n0); \
            s[jn][2] = n1 == -INF_F32 ? 0.0f : expf(s[jn][2] - n1); \
            s[jn][3] = n1 == -INF_F32 ? 0.0f : expf(s[jn][3] - n1); \
            l0 += s[jn][0] + s[jn][1]; \
            l1 += s[jn][2] + s[jn][3]; \
        } \
        m0 = n0; m1 = n1; \
        for (int kc = 0; kc < ATC_BK / 16; kc++) { \
            u32 pf[4]; \
            pf[0] = atc_pack(s[2 * kc][0], s[2 * kc][1], isBf16); \
            pf[1] = atc_pack(s[2 * kc][2], s[2 * kc][3], isBf16); \
            pf[2] = atc_pack(s[2 * kc + 1][0], s[2 * kc + 1][1], isBf16); \
            pf[3] = atc_pack(s[2 * kc + 1][2], s[2 * kc + 1][3], isBf16); \
            for (int dn = 0; dn < D / 8; dn++) { \
                u32 bf[2]; \
                bf[0] = *(const u32*) &vt[dn * 8 + gq][kc * 16 + 2 * t]; \
                bf[1] = *(const u32*) &vt[dn * 8 + gq][kc * 16 + 2 * t + 8]; \
                atc_mma(o[dn], pf, bf, isBf16); \
            } \
        } \
    } \
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1); \
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2); \
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1); \
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2); \
    float inv0 = l0 > 0.0f ? 1.0f / l0 : 0.0f, inv1 = l1 > 0.0f ? 1.0f / l1 : 0.0f; \
    for (int dn = 0; dn < D / 8; dn++) { \
        int d = dn * 8 + 2 * t; \
        if (row0 < g.Lq) { \
            i64 base = ((i64) (b * g.H + h) * g.Lq + row0) * D; \
            out[base + d] = o[dn][0] * inv0; \
            out[base + d + 1] = o[dn][1] * inv0; \
        } \
        if (row1 < g.Lq) { \
            i64 base = ((i64) (b * g.H + h) * g.Lq + row1) * D; \
            out[base + d] = o[dn][2] * inv1; \
            out[base + d + 1] = o[dn][3] * inv1; \
        } \
    } \
    if (t == 0) { \
        if (row0 < g.Lq) lse[(b * g.H + h) * g.Lq + row0] = l0 > 0.0f ? m0 + logf(l0) : -INF_F32; \
        if (row1 < g.Lq) lse[(b * g.H + h) * g.Lq + row1] = l1 > 0.0f ? m1 + logf(l1) : -INF_F32; \
    } \
}

DEFINE_ATTENTION_TC(attention_forward_tc_d40, 40, 48)
DEFINE_ATTENTION_TC(attention_forward_tc_d64, 64, 64)
DEFINE_ATTENTION_TC(attention_forward_tc_d80, 80, 80)
