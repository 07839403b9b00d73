/*
 * A tiled f32 GEMM body shared by the matmul and the implicit-GEMM convolutions: a block of 16x16
 * threads computes C[m][n] = sum_k A(m,k) * B(k,n) for one BM x BN output tile, (BM/16) x (BN/16)
 * results per thread (rows ty + 16i, columns tx + 16j), staging BM x BK slices of A and BK x BN slices of
 * B in local memory. The operands are macros, so the convolutions gather their im2col "matrices" on the
 * fly and never materialise them. Two sizes are used: 64x64x16 (small problems) and 128x128x8 (8x8
 * results per thread: twice the arithmetic per local-memory load, for large problems).
 *
 * Use: TILED_GEMM_LOCALS(BM, BN, BK) at kernel scope, then
 * TILED_GEMM(BM, BN, BK, M, N, K, m0, n0, A_AT, B_AT, STORE_AT) where A_AT(m, k) / B_AT(k, n) read one
 * in-range element and STORE_AT(m, n, v) writes one result. Out-of-range loads become zeros and
 * out-of-range stores are skipped; every thread runs the k loop (its trip count is uniform), so the
 * barriers are never divergent. BM*BK and BK*BN must be multiples of 256.
 */
#ifndef UNITUNE_TILED_GEMM_H
#define UNITUNE_TILED_GEMM_H

#define TILED_GEMM_LOCALS(BM, BN, BK) \
    LOCAL float tg_as[BK][BM + 1]; \
    LOCAL float tg_bs[BK][BN + 1];

#define TILED_GEMM(BM, BN, BK, M_, N_, K_, M0_, N0_, A_AT, B_AT, STORE_AT) \
    do { \
        int tg_tx = THREAD_X, tg_ty = THREAD_Y, tg_tid = tg_ty * 16 + tg_tx; \
        float tg_acc[(BM) / 16][(BN) / 16]; \
        for (int tg_i = 0; tg_i < (BM) / 16; tg_i++) \
            for (int tg_j = 0; tg_j < (BN) / 16; tg_j++) tg_acc[tg_i][tg_j] = 0.0f; \
        for (int tg_k0 = 0; tg_k0 < (K_); tg_k0 += (BK)) { \
            for (int tg_l = 0; tg_l < (BM) * (BK) / 256; tg_l++) { \
                int tg_e = tg_tid + tg_l * 256; \
                int tg_am = tg_e / (BK), tg_ak = tg_e % (BK); \
                int tg_gm = (M0_) + tg_am, tg_gk = tg_k0 + tg_ak; \
                tg_as[tg_ak][tg_am] = (tg_gm < (M_) && tg_gk < (K_)) ? A_AT(tg_gm, tg_gk) : 0.0f; \
            } \
            for (int tg_l = 0; tg_l < (BK) * (BN) / 256; tg_l++) { \
                int tg_e = tg_tid + tg_l * 256; \
                int tg_bn = tg_e % (BN), tg_bk = tg_e / (BN); \
                int tg_gn = (N0_) + tg_bn, tg_gk2 = tg_k0 + tg_bk; \
                tg_bs[tg_bk][tg_bn] = (tg_gn < (N_) && tg_gk2 < (K_)) ? B_AT(tg_gk2, tg_gn) : 0.0f; \
            } \
            BARRIER(); \
            for (int tg_kk = 0; tg_kk < (BK); tg_kk++) { \
                float tg_ra[(BM) / 16], tg_rb[(BN) / 16]; \
                for (int tg_i = 0; tg_i < (BM) / 16; tg_i++) tg_ra[tg_i] = tg_as[tg_kk][tg_ty + 16 * tg_i]; \
                for (int tg_j = 0; tg_j < (BN) / 16; tg_j++) tg_rb[tg_j] = tg_bs[tg_kk][tg_tx + 16 * tg_j]; \
                for (int tg_i = 0; tg_i < (BM) / 16; tg_i++) \
                    for (int tg_j = 0; tg_j < (BN) / 16; tg_j++) tg_acc[tg_i][tg_j] = fmaf(tg_ra[tg_i], tg_rb[tg_j], tg_acc[tg_i][tg_j]); \
            } \
            BARRIER(); \
        } \
        for (int tg_i = 0; tg_i < (BM) / 16; tg_i++) \
            for (int tg_j = 0; tg_j < (BN) / 16; tg_j++) { \
                int tg_m = (M0_) + tg_ty + 16 * tg_i, tg_n = (N0_) + tg_tx + 16 * tg_j; \
                if (tg_m < (M_) && tg_n < (N_)) STORE_AT(tg_m, tg_n, tg_acc[tg_i][tg_j]); \
            } \
    } while (0)

#endif
