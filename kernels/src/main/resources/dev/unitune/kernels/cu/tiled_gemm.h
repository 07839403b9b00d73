/*
 * A 64x64-tile, 16-deep f32 GEMM body shared by the matmul and the implicit-GEMM convolutions: a block of
 * 16x16 threads computes C[m][n] = sum_k A(m,k) * B(k,n) for one 64x64 output tile, 4x4 results per
 * thread, staging 64x16 slices of A and 16x64 slices of B in local memory. The operands are macros, so
 * the convolutions gather their im2col "matrices" on the fly and never materialise them.
 *
 * Use: TILED_GEMM_LOCALS at kernel scope, then TILED_GEMM(M, N, K, m0, n0, A_AT, B_AT, STORE_AT) where
 * A_AT(m, k) / B_AT(k, n) read one in-range element and STORE_AT(m, n, v) writes one result.
 * Out-of-range loads become zeros and out-of-range stores are skipped; every thread runs the k loop
 * (its trip count is uniform), so the barriers are never divergent.
 */
#ifndef UNITUNE_TILED_GEMM_H
#define UNITUNE_TILED_GEMM_H

#define TG_BM 64
#define TG_BN 64
#define TG_BK 16

#define TILED_GEMM_LOCALS \
    LOCAL float tg_as[TG_BK][TG_BM + 1]; \
    LOCAL float tg_bs[TG_BK][TG_BN + 1];

#define TILED_GEMM(M_, N_, K_, M0_, N0_, A_AT, B_AT, STORE_AT) \
    do { \
        int tg_tx = THREAD_X, tg_ty = THREAD_Y, tg_tid = tg_ty * 16 + tg_tx; \
        float tg_acc[4][4]; \
        for (int tg_i = 0; tg_i < 4; tg_i++) \
            for (int tg_j = 0; tg_j < 4; tg_j++) tg_acc[tg_i][tg_j] = 0.0f; \
        for (int tg_k0 = 0; tg_k0 < (K_); tg_k0 += TG_BK) { \
            for (int tg_l = 0; tg_l < 4; tg_l++) { \
                int tg_e = tg_tid + tg_l * 256; \
                int tg_am = tg_e / TG_BK, tg_ak = tg_e % TG_BK; \
                int tg_gm = (M0_) + tg_am, tg_gk = tg_k0 + tg_ak; \
                tg_as[tg_ak][tg_am] = (tg_gm < (M_) && tg_gk < (K_)) ? A_AT(tg_gm, tg_gk) : 0.0f; \
                int tg_bn = tg_e % TG_BN, tg_bk = tg_e / TG_BN; \
                int tg_gn = (N0_) + tg_bn, tg_gk2 = tg_k0 + tg_bk; \
                tg_bs[tg_bk][tg_bn] = (tg_gn < (N_) && tg_gk2 < (K_)) ? B_AT(tg_gk2, tg_gn) : 0.0f; \
            } \
            BARRIER(); \
            for (int tg_kk = 0; tg_kk < TG_BK; tg_kk++) { \
                float tg_ra[4], tg_rb[4]; \
                for (int tg_i = 0; tg_i < 4; tg_i++) tg_ra[tg_i] = tg_as[tg_kk][tg_ty + 16 * tg_i]; \
                for (int tg_j = 0; tg_j < 4; tg_j++) tg_rb[tg_j] = tg_bs[tg_kk][tg_tx + 16 * tg_j]; \
                for (int tg_i = 0; tg_i < 4; tg_i++) \
                    for (int tg_j = 0; tg_j < 4; tg_j++) tg_acc[tg_i][tg_j] = fmaf(tg_ra[tg_i], tg_rb[tg_j], tg_acc[tg_i][tg_j]); \
            } \
            BARRIER(); \
        } \
        for (int tg_i = 0; tg_i < 4; tg_i++) \
            for (int tg_j = 0; tg_j < 4; tg_j++) { \
                int tg_m = (M0_) + tg_ty + 16 * tg_i, tg_n = (N0_) + tg_tx + 16 * tg_j; \
                if (tg_m < (M_) && tg_n < (N_)) STORE_AT(tg_m, tg_n, tg_acc[tg_i][tg_j]); \
            } \
    } while (0)

#endif
