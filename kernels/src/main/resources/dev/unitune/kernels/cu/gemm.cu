/*
 * Batched f32 matrix product C[b] = A[b] B[b] over strided operands: a transpose is just swapped row and
 * column strides, and broadcast batch dims come as a table of per-batch element offsets, so no operand is
 * copied. Tiling in tiled_gemm.h. CPU reference: CpuBackend.matmul.
 * Grid: (ceil(N/64), ceil(M/64), batches in this launch); block 16x16.
 */
#include "unitune_dialect.h"
#include "tiled_gemm.h"

KERNEL void gemm_f32(GLOBAL const float* A, GLOBAL const int* aOffsets, int aRowStride, int aColStride,
                     GLOBAL const float* B, GLOBAL const int* bOffsets, int bRowStride, int bColStride,
                     GLOBAL float* C, int M, int N, int K, int batchBase) {
    TILED_GEMM_LOCALS
    int batch = batchBase + BLOCK_Z;
    GLOBAL const float* a = A + aOffsets[batch];
    GLOBAL const float* b = B + bOffsets[batch];
    GLOBAL float* c = C + (i64) batch * M * N;
#define GEMM_A(m, k) a[(m) * aRowStride + (k) * aColStride]
#define GEMM_B(k, n) b[(k) * bRowStride + (n) * bColStride]
#define GEMM_STORE(m, n, v) c[(m) * N + (n)] = (v)
    TILED_GEMM(M, N, K, BLOCK_Y * TG_BM, BLOCK_X * TG_BN, GEMM_A, GEMM_B, GEMM_STORE);
#undef GEMM_A
#undef GEMM_B
#undef GEMM_STORE
}
