/*
 * conv2d forward and both backward passes as implicit GEMMs over contiguous f32 NCHW tensors (OIHW
 * weights), one launch per call with the group in grid z. The im2col operand is gathered on the fly
 * inside the tile loads (tiled_gemm.h), so nothing of size K x N*OH*OW is ever allocated. Each pass has
 * a 64x64-tile kernel and a 128x128-tile one ("_128") for large problems.
 * CPU reference: CpuBackend.conv2d, conv2dBackwardInput, conv2dBackwardWeight.
 *
 *   forward:  out[n, g*Og+m, oh, ow] = sum_{c,kh,kw} w[g*Og+m, c, kh, kw] * x[n, g*Cg+c, ih, iw]
 *             M = Og, N = batch*OH*OW, K = Cg*kH*kW
 *   dInput:   dx[n, g*Cg+c, ih, iw] = sum_{m,kh,kw} w[g*Og+m, c, kh, kw] * dy[n, g*Og+m, oh, ow]
 *             (oh = (ih + pad - kh*dil) / stride when exact)   M = Cg, N = batch*H*W, K = Og*kH*kW
 *   dWeight:  dw[g*Og+m, c, kh, kw] = sum_{n,oh,ow} dy[n, g*Og+m, oh, ow] * x[n, g*Cg+c, ih, iw]
 *             M = Og, N = Cg*kH*kW, K = batch*OH*OW
 */
#include "unitune_dialect.h"
#include "tiled_gemm.h"

typedef struct {
    int batch, C, H, W;      /* input */
    int O, OH, OW;           /* output */
    int kH, kW;
    int strideH, strideW, padH, padW, dilH, dilW;
    int groups, Cg, Og;
} ConvGeom;

/* x[n, ch, ih, iw] or 0 outside the image. */
DEVICE float conv_x(GLOBAL const float* x, ConvGeom g, int n, int ch, int ih, int iw) {
    return (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? x[(((i64) n * g.C + ch) * g.H + ih) * g.W + iw] : 0.0f;
}

/* forward B operand: row k = (c, kh, kw), column col = (n, oh, ow). */
DEVICE float conv_fwd_b(GLOBAL const float* x, ConvGeom g, int grp, int k, int col) {
    int kw = k % g.kW, t = k / g.kW, kh = t % g.kH, c = t / g.kH;
    int ow = col % g.OW, t2 = col / g.OW, oh = t2 % g.OH, n = t2 / g.OH;
    int ih = oh * g.strideH - g.padH + kh * g.dilH, iw = ow * g.strideW - g.padW + kw * g.dilW;
    return conv_x(x, g, n, grp * g.Cg + c, ih, iw);
}

#define DEFINE_CONV_FORWARD(NAME, BM, BN, BK) \
KERNEL void NAME(GLOBAL const float* x, GLOBAL const float* w, GLOBAL const float* bias, int hasBias, \
                 GLOBAL float* out, ConvGeom g) { \
    TILED_GEMM_LOCALS(BM, BN, BK) \
    int grp = BLOCK_Z; \
    int K = g.Cg * g.kH * g.kW; \
    int Ncols = g.batch * g.OH * g.OW; \
    GLOBAL const float* wg = w + (i64) grp * g.Og * K; \
    TILED_GEMM(BM, BN, BK, g.Og, Ncols, K, BLOCK_Y * (BM), BLOCK_X * (BN), CF_A, CF_B, CF_STORE); \
}
#define CF_A(m, k) wg[(m) * K + (k)]
#define CF_B(k, col) conv_fwd_b(x, g, grp, (k), (col))
#define CF_STORE(m, col, v) { \
        int ow_ = (col) % g.OW, t_ = (col) / g.OW, oh_ = t_ % g.OH, n_ = t_ / g.OH, o_ = grp * g.Og + (m); \
        out[(((i64) n_ * g.O + o_) * g.OH + oh_) * g.OW + ow_] = (v) + (hasBias ? bias[o_] : 0.0f); }
DEFINE_CONV_FORWARD(conv2d_forward, 64, 64, 16)
DEFINE_CONV_FORWARD(conv2d_forward_128, 128, 128, 8)

/* dInput B operand: row k = (m, kh, kw), column col = (n, ih, iw): dy at the output pixel that reads it. */
DEVICE float conv_dx_b(GLOBAL const float* dy, ConvGeom g, int grp, int k, int col) {
    int kw = k % g.kW, t = k / g.kW, kh = t % g.kH, m = t / g.kH;
    int iw = col % g.W, t2 = col / g.W, ih = t2 % g.H, n = t2 / g.H;
    int yh = ih + g.padH - kh * g.dilH, yw = iw + g.padW - kw * g.dilW;
    if (yh < 0 || yw < 0 || yh % g.strideH != 0 || yw % g.strideW != 0) return 0.0f;
    int oh = yh / g.strideH, ow = yw / g.strideW;
    if (oh >= g.OH || ow >= g.OW) return 0.0f;
    return dy[(((i64) n * g.O + grp * g.Og + m) * g.OH + oh) * g.OW + ow];
}

#define DEFINE_CONV_BACKWARD_INPUT(NAME, BM, BN, BK) \
KERNEL void NAME(GLOBAL const float* dy, GLOBAL const float* w, GLOBAL float* dx, ConvGeom g) { \
    TILED_GEMM_LOCALS(BM, BN, BK) \
    int grp = BLOCK_Z; \
    int K = g.Og * g.kH * g.kW; \
    int Ncols = g.batch * g.H * g.W; \
    int khw = g.kH * g.kW; \
    TILED_GEMM(BM, BN, BK, g.Cg, Ncols, K, BLOCK_Y * (BM), BLOCK_X * (BN), CI_A, CI_B, CI_STORE); \
}
/* A(c, k): w[grp*Og + m, c, kh, kw] with k = (m, kh, kw). */
#define CI_A(c, k) w[(((i64) (grp * g.Og + (k) / khw)) * g.Cg + (c)) * khw + (k) % khw]
#define CI_B(k, col) conv_dx_b(dy, g, grp, (k), (col))
#define CI_STORE(c, col, v) { \
        int iw_ = (col) % g.W, t_ = (col) / g.W, ih_ = t_ % g.H, n_ = t_ / g.H; \
        dx[(((i64) n_ * g.C + grp * g.Cg + (c)) * g.H + ih_) * g.W + iw_] = (v); }
DEFINE_CONV_BACKWARD_INPUT(conv2d_backward_input, 64, 64, 16)
DEFINE_CONV_BACKWARD_INPUT(conv2d_backward_input_128, 128, 128, 8)

/* dWeight A operand: dy[n, grp*Og + m, oh, ow] with k = (n, oh, ow). */
DEVICE float conv_dw_a(GLOBAL const float* dy, ConvGeom g, int grp, int m, int k) {
    int ow = k % g.OW, t = k / g.OW, oh = t % g.OH, n = t / g.OH;
    return dy[(((i64) n * g.O + grp * g.Og + m) * g.OH + oh) * g.OW + ow];
}

/* dWeight B operand: row k = (n, oh, ow), column col = (c, kh, kw). */
DEVICE float conv_dw_b(GLOBAL const float* x, ConvGeom g, int grp, int k, int col) {
    int ow = k % g.OW, t = k / g.OW, oh = t % g.OH, n = t / g.OH;
    int kw = col % g.kW, t2 = col / g.kW, kh = t2 % g.kH, c = t2 / g.kH;
    int ih = oh * g.strideH - g.padH + kh * g.dilH, iw = ow * g.strideW - g.padW + kw * g.dilW;
    return conv_x(x, g, n, grp * g.Cg + c, ih, iw);
}

#define DEFINE_CONV_BACKWARD_WEIGHT(NAME, BM, BN, BK) \
KERNEL void NAME(GLOBAL const float* dy, GLOBAL const float* x, GLOBAL float* dw, ConvGeom g) { \
    TILED_GEMM_LOCALS(BM, BN, BK) \
    int grp = BLOCK_Z; \
    int K = g.batch * g.OH * g.OW; \
    int Ncols = g.Cg * g.kH * g.kW; \
    TILED_GEMM(BM, BN, BK, g.Og, Ncols, K, BLOCK_Y * (BM), BLOCK_X * (BN), CW_A, CW_B, CW_STORE); \
}
#define CW_A(m, k) conv_dw_a(dy, g, grp, (m), (k))
#define CW_B(k, col) conv_dw_b(x, g, grp, (k), (col))
#define CW_STORE(m, col, v) dw[((i64) grp * g.Og + (m)) * Ncols + (col)] = (v)
DEFINE_CONV_BACKWARD_WEIGHT(conv2d_backward_weight, 64, 64, 16)
DEFINE_CONV_BACKWARD_WEIGHT(conv2d_backward_weight_128, 128, 128, 8)
