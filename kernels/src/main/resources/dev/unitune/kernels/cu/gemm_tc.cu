/*
 * CUDA-only tensor-core GEMM for F16/BF16 operands with F32 accumulation and an F32 result (the Java side
 * rounds it to the operands' dtype), on mma.sync.aligned.m16n8k16 (sm_80+), used by matmul and by the
 * conv2d forward pass (implicit GEMM). Same operand convention as
 * gemm.cu: strided A [M,K] and B [K,N] per batch, per-batch element offsets, transposes as swapped
 * strides. CPU references: CpuBackend.matmul and CpuBackend.conv2d (F16/BF16 computed in F32, rounded once).
 *
 * Block: 128 threads = 4 warps in a 2x2 grid over a 64x64 output tile; each warp owns 32x32 = 2 x 4
 * m16n8 accumulator tiles. K advances 32 at a time through shared memory, A stored [m][k] and B stored
 * [n][k] (the "col" operand layout of mma), rows padded by 8 halves to spread shared-memory banks.
 * Fragment layout (PTX ISA, mma.m16n8k16 .f16/.bf16): g = lane / 4, t = lane % 4;
 *   A regs: (g, 2t..2t+1), (g+8, 2t..), (g, 2t+8..), (g+8, 2t+8..); B regs: k = 2t.., 2t+8.. at n = g;
 *   C: (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1).
 */
#include "unitune_dialect.h"

#define TC_BM 64
#define TC_BN 64
#define TC_BK 32
#define TC_PAD 8

DEVICE void mma_16816(float* d, const u32* a, const u32* b, int bf16) {
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

/*
 * The tile loop as a macro over a tile loader, so the matmuls and the implicit-GEMM convolution share
 * the fragment code: element accessors A_AT(m, k) / B_AT(k, n) (TC_LOAD_ELEMENTS) or 16-byte vector
 * loads; STORE_AT(m, n, v) stores one f32 result. TC_LOCALS goes at kernel scope.
 */
#define TC_LOCALS \
    __shared__ __align__(16) u16 as[TC_BM][TC_BK + TC_PAD]; \
    __shared__ __align__(16) u16 bs[TC_BN][TC_BK + TC_PAD];

/* Element-wise tile loads through accessors (any strides, im2col gathers). */
#define TC_LOAD_ELEMENTS(M_, N_, K_, A_AT, B_AT, k0) \
    do { \
        for (int e = tid; e < TC_BM * TC_BK; e += 128) { \
            int r = e / TC_BK, kk = e % TC_BK, gm = m0 + r, gk = (k0) + kk; \
            as[r][kk] = (gm < (M_) && gk < (K_)) ? A_AT(gm, gk) : (u16) 0; \
        } \
        for (int e = tid; e < TC_BN * TC_BK; e += 128) { \
            int n = e / TC_BK, kk = e % TC_BK, gn = n0 + n, gk = (k0) + kk; \
            bs[n][kk] = (gn < (N_) && gk < (K_)) ? B_AT(gk, gn) : (u16) 0; \
        } \
    } while (0)

/* The tile loop; LOAD(k0) fills as/bs for k0 .. k0+TC_BK-1 (zeros outside the matrices). */
#define TC_TILE_GEMM_WITH(M_, N_, K_, LOAD, STORE_AT) \
    do { \
        int m0 = BLOCK_Y * TC_BM, n0 = BLOCK_X * TC_BN; \
        int tid = THREAD_X, warp = tid >> 5, lane = tid & 31; \
        int wm = (warp >> 1) * 32, wn = (warp & 1) * 32; \
        int g = lane >> 2, t = lane & 3; \
        float acc[2][4][4]; \
        for (int i = 0; i < 2; i++) \
            for (int j = 0; j < 4; j++) \
                for (int r = 0; r < 4; r++) acc[i][j][r] = 0.0f; \
        for (int k0 = 0; k0 < (K_); k0 += TC_BK) { \
            LOAD(k0); \
            __syncthreads(); \
            for (int ks = 0; ks < TC_BK; ks += 16) { \
                u32 af[2][4], bfr[4][2]; \
                for (int mi = 0; mi < 2; mi++) { \
                    int r = wm + mi * 16 + g; \
                    af[mi][0] = *(const u32*) &as[r][ks + 2 * t]; \
                    af[mi][1] = *(const u32*) &as[r + 8][ks + 2 * t]; \
                    af[mi][2] = *(const u32*) &as[r][ks + 2 * t + 8]; \
                    af[mi][3] = *(const u32*) &as[r + 8][ks + 2 * t + 8]; \
                } \
                for (int ni = 0; ni < 4; ni++) { \
                    int n = wn + ni * 8 + g; \
                    bfr[ni][0] = *(const u32*) &bs[n][ks + 2 * t]; \
                    bfr[ni][1] = *(const u32*) &bs[n][ks + 2 * t + 8]; \
                } \
                for (int mi = 0; mi < 2; mi++) \
                    for (int ni = 0; ni < 4; ni++) mma_16816(acc[mi][ni], af[mi], bfr[ni], isBf16); \
            } \
            __syncthreads(); \
        } \
        for (int mi = 0; mi < 2; mi++) \
            for (int ni = 0; ni < 4; ni++) { \
                int r = m0 + wm + mi * 16 + g, col = n0 + wn + ni * 8 + 2 * t; \
                for (int h = 0; h < 2; h++) { \
                    int rr = r + 8 * h; \
                    if (rr >= (M_)) continue; \
                    if (col < (N_)) STORE_AT(rr, col, acc[mi][ni][2 * h]); \
                    if (col + 1 < (N_)) STORE_AT(rr, col + 1, acc[mi][ni][2 * h + 1]); \
                } \
            } \
    } while (0)

KERNEL void gemm_tc_16(int isBf16, const u16* A, const int* aOffsets, int aRowStride, int aColStride,
                       const u16* B, const int* bOffsets, int bRowStride, int bColStride,
                       float* C, int M, int N, int K, int batchBase) {
    TC_LOCALS
    int batch = batchBase + BLOCK_Z;
    const u16* a = A + aOffsets[batch];
    const u16* b = B + bOffsets[batch];
    float* c = C + (i64) batch * M * N;
#define MM_A(m, k) a[(i64) (m) * aRowStride + (i64) (k) * aColStride]
#define MM_B(k, n) b[(i64) (k) * bRowStride + (i64) (n) * bColStride]
#define MM_STORE(m, n, v) c[(i64) (m) * N + (n)] = (v)
#define MM_LOAD(k0) TC_LOAD_ELEMENTS(M, N, K, MM_A, MM_B, k0)
    TC_TILE_GEMM_WITH(M, N, K, MM_LOAD, MM_STORE);
}

/*
 * The same product with 16-byte loads, for the common layouts: A row-major with unit k stride, and B
 * either [K, N] row-major (unit n stride: 8 n at one k, spread into bs) or transposed (unit k stride:
 * 8 k at one n). Preconditions, checked by the Java side: K % 8 == 0, the other stride and every batch
 * offset a multiple of 8 (16-byte aligned rows), and N % 8 == 0 when B has unit n stride.
 */
KERNEL void gemm_tc_16_vec(int isBf16, const u16* A, const int* aOffsets, int aRowStride,
                           const u16* B, const int* bOffsets, int bStride, int bUnitN,
                           float* C, int M, int N, int K, int batchBase) {
    TC_LOCALS
    int batch = batchBase + BLOCK_Z;
    const u16* a = A + aOffsets[batch];
    const u16* b = B + bOffsets[batch];
    float* c = C + (i64) batch * M * N;
#define VEC_LOAD(k0) \
    do { \
        for (int e = tid; e < TC_BM * TC_BK / 8; e += 128) { \
            int r = e / (TC_BK / 8), c8 = (e % (TC_BK / 8)) * 8, gm = m0 + r, gk = (k0) + c8; \
            uint4 v = make_uint4(0u, 0u, 0u, 0u); \
            if (gm < M && gk < K) v = *(const uint4*) &a[(i64) gm * aRowStride + gk]; \
            *(uint4*) &as[r][c8] = v; \
        } \
        if (bUnitN) { /* b[k * bStride + n]: 8 consecutive n at one k */ \
            for (int e = tid; e < TC_BK * TC_BN / 8; e += 128) { \
                int kk = e / (TC_BN / 8), n8 = (e % (TC_BN / 8)) * 8, gk = (k0) + kk, gn = n0 + n8; \
                uint4 v = make_uint4(0u, 0u, 0u, 0u); \
                if (gk < K && gn < N) v = *(const uint4*) &b[(i64) gk * bStride + gn]; \
                const u16* h = (const u16*) &v; \
                for (int i = 0; i < 8; i++) bs[n8 + i][kk] = h[i]; \
            } \
        } else { /* b[n * bStride + k]: 8 consecutive k at one n */ \
            for (int e = tid; e < TC_BN * TC_BK / 8; e += 128) { \
                int n = e / (TC_BK / 8), c8 = (e % (TC_BK / 8)) * 8, gn = n0 + n, gk = (k0) + c8; \
                uint4 v = make_uint4(0u, 0u, 0u, 0u); \
                if (gn < N && gk < K) v = *(const uint4*) &b[(i64) gn * bStride + gk]; \
                *(uint4*) &bs[n][c8] = v; \
            } \
        } \
    } while (0)
    TC_TILE_GEMM_WITH(M, N, K, VEC_LOAD, MM_STORE);
}

/*
 * conv2d forward on tensor cores for contiguous f16/bf16 NCHW x and OIHW w (f32 out, bias added in f32):
 * the implicit GEMM of conv.cu (M = Og, N = batch*OH*OW, K = Cg*kH*kW, the im2col operand gathered in
 * the tile loads), group in grid z. The geometry struct matches ConvGeom in conv.cu.
 */
typedef struct {
    int batch, C, H, W;
    int O, OH, OW;
    int kH, kW;
    int strideH, strideW, padH, padW, dilH, dilW;
    int groups, Cg, Og;
} ConvGeomTc;

DEVICE u16 conv_tc_b(const u16* x, ConvGeomTc g, int grp, int k, int col) {
    int kw = k % g.kW, tt = k / g.kW, kh = tt % g.kH, c = tt / g.kH;
    int ow = col % g.OW, t2 = col / g.OW, oh = t2 % g.OH, n = t2 / g.OH;
    int ih = oh * g.strideH - g.padH + kh * g.dilH, iw = ow * g.strideW - g.padW + kw * g.dilW;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return (u16) 0;
    return x[(((i64) n * g.C + grp * g.Cg + c) * g.H + ih) * g.W + iw];
}

KERNEL void conv2d_forward_tc(int isBf16, const u16* x, const u16* w, const float* bias, int hasBias, float* out, ConvGeomTc cg) {
    TC_LOCALS
    int grp = BLOCK_Z;
    int K = cg.Cg * cg.kH * cg.kW;
    int Ncols = cg.batch * cg.OH * cg.OW;
    const u16* wg = w + (i64) grp * cg.Og * K;
#define CT_A(m, k) wg[(i64) (m) * K + (k)]
#define CT_B(k, col) conv_tc_b(x, cg, grp, (k), (col))
#define CT_STORE(m, col, v) { \
        int ow_ = (col) % cg.OW, t_ = (col) / cg.OW, oh_ = t_ % cg.OH, n_ = t_ / cg.OH, o_ = grp * cg.Og + (m); \
        out[(((i64) n_ * cg.O + o_) * cg.OH + oh_) * cg.OW + ow_] = (v) + (hasBias ? bias[o_] : 0.0f); }
#define CT_LOAD(k0) TC_LOAD_ELEMENTS(cg.Og, Ncols, K, CT_A, CT_B, k0)
    TC_TILE_GEMM_WITH(cg.Og, Ncols, K, CT_LOAD, CT_STORE);
}

/* dInput B operand (row k = (m, kh, kw), column col = (n, ih, iw)): dy at the output pixel that reads it. */
DEVICE u16 conv_tc_dx_b(const u16* dy, ConvGeomTc g, int grp, int k, int col) {
    int kw = k % g.kW, tt = k / g.kW, kh = tt % g.kH, m = tt / g.kH;
    int iw = col % g.W, t2 = col / g.W, ih = t2 % g.H, n = t2 / g.H;
    int yh = ih + g.padH - kh * g.dilH, yw = iw + g.padW - kw * g.dilW;
    if (yh < 0 || yw < 0 || yh % g.strideH != 0 || yw % g.strideW != 0) return (u16) 0;
    int oh = yh / g.strideH, ow = yw / g.strideW;
    if (oh >= g.OH || ow >= g.OW) return (u16) 0;
    return dy[(((i64) n * g.O + grp * g.Og + m) * g.OH + oh) * g.OW + ow];
}

/* conv2d dInput on tensor cores: M = Cg, N = batch*H*W, K = Og*kH*kW (see conv.cu for the derivation). */
KERNEL void conv2d_backward_input_tc(int isBf16, const u16* dy, const u16* w, float* dx, ConvGeomTc cg) {
    TC_LOCALS
    int grp = BLOCK_Z;
    int K = cg.Og * cg.kH * cg.kW;
    int Ncols = cg.batch * cg.H * cg.W;
    int khw = cg.kH * cg.kW;
#define CIT_A(c, k) w[(((i64) (grp * cg.Og + (k) / khw)) * cg.Cg + (c)) * khw + (k) % khw]
#define CIT_B(k, col) conv_tc_dx_b(dy, cg, grp, (k), (col))
#define CIT_STORE(c, col, v) { \
        int iw_ = (col) % cg.W, t_ = (col) / cg.W, ih_ = t_ % cg.H, n_ = t_ / cg.H; \
        dx[(((i64) n_ * cg.C + grp * cg.Cg + (c)) * cg.H + ih_) * cg.W + iw_] = (v); }
#define CIT_LOAD(k0) TC_LOAD_ELEMENTS(cg.Cg, Ncols, K, CIT_A, CIT_B, k0)
    TC_TILE_GEMM_WITH(cg.Cg, Ncols, K, CIT_LOAD, CIT_STORE);
}

/* conv2d dWeight on tensor cores: M = Og, N = Cg*kH*kW, K = batch*OH*OW. */
KERNEL void conv2d_backward_weight_tc(int isBf16, const u16* dy, const u16* x, float* dw, ConvGeomTc cg) {
    TC_LOCALS
    int grp = BLOCK_Z;
    int K = cg.batch * cg.OH * cg.OW;
    int Ncols = cg.Cg * cg.kH * cg.kW;
#define CWT_A(m, k) dy[(((i64) ((k) / (cg.OH * cg.OW)) * cg.O + grp * cg.Og + (m)) * cg.OH + ((k) / cg.OW) % cg.OH) * cg.OW + (k) % cg.OW]
#define CWT_B(k, col) conv_tc_b(x, cg, grp, (col), (k)) /* conv_tc_b(k = (c, kh, kw), col = (n, oh, ow)) */
#define CWT_STORE(m, col, v) dw[((i64) grp * cg.Og + (m)) * Ncols + (col)] = (v)
#define CWT_LOAD(k0) TC_LOAD_ELEMENTS(cg.Og, Ncols, K, CWT_A, CWT_B, k0)
    TC_TILE_GEMM_WITH(cg.Og, Ncols, K, CWT_LOAD, CWT_STORE);
}
