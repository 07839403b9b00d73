/*
 * Batched f32 matrix product C[b] = A[b] B[b] over strided operands: a transpose is just swapped row and
 * column strides, and broadcast batch dims come as a table of per-batch element offsets, so no operand is
 * copied. Tiling in tiled_gemm.h. CPU reference: CpuBackend.matmul.
 * Two tile sizes: 64x64 for small problems, 128x128 when both M and N are large. Block 16x16.
 */
#include "unitune_dialect.h"
#include "tiled_gemm.h"

/* DEFINE_GEMM(name, BM, BN, BK): one kernel per tile size; grid (ceil(N/BN), ceil(M/BM), batches). */
#define DEFINE_GEMM(NAME, BM, BN, BK) \
KERNEL void NAME(GLOBAL const float* A, GLOBAL const int* aOffsets, int aRowStride, int aColStride, \
                 GLOBAL const float* B, GLOBAL const int* bOffsets, int bRowStride, int bColStride, \
                 GLOBAL float* C, int M, int N, int K, int batchBase) { \
    TILED_GEMM_LOCALS(BM, BN, BK) \
    int batch = batchBase + BLOCK_Z; \
    GLOBAL const float* a = A + aOffsets[batch]; \
    GLOBAL const float* b = B + bOffsets[batch]; \
    GLOBAL float* c = C + (i64) batch * M * N; \
    TILED_GEMM(BM, BN, BK, M, N, K, BLOCK_Y * (BM), BLOCK_X * (BN), GEMM_A, GEMM_B, GEMM_STORE); \
}
#define GEMM_A(m, k) a[(m) * aRowStride + (k) * aColStride]
#define GEMM_B(k, n) b[(k) * bRowStride + (n) * bColStride]
#define GEMM_STORE(m, n, v) c[(m) * N + (n)] = (v)

DEFINE_GEMM(gemm_f32, 64, 64, 16)
DEFINE_GEMM(gemm_f32_128, 128, 128, 8)
