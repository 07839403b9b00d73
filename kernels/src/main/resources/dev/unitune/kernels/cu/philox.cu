/*
 * Philox4x32-10 uniform and normal tensors, a line-by-line port of dev.unitune.tensor.Philox (its javadoc
 * is the specification): key = (low, high) of seed; element g = offset + i lives in block g / 4, lane
 * g % 4, counter (low(b), high(b), 0, 0). Uniform: (word >> 8) * 2^-24, then lo + (hi - lo) * u with two
 * separately rounded float operations, so uniforms are bit-identical to the CPU. Normal: Box-Muller on
 * lane pairs in double, like the CPU (equal to within the last bit of log/sin/cos).
 * CPU reference: CpuBackend.uniform / normal (RandomKernels).
 */
#include "unitune_dialect.h"
#ifndef __CUDACC__
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* The word of lane `lane` of block b under key (k0, k1). */
DEVICE void philox_block(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1, u32* out) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        u32 hi0 = MULHI_U32(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
        u32 hi1 = MULHI_U32(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
        u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

DEVICE void philox_words(u64 seed, u64 g, u32* w) {
    u64 b = g >> 2;
    philox_block((u32) b, (u32) (b >> 32), 0u, 0u, (u32) seed, (u32) (seed >> 32), w);
}

KERNEL void philox_uniform(GLOBAL u8* out, int dt, i64 seed, i64 offset, float lo, float hi, int n) {
    for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < n; i += GRID_DIM_X * BLOCK_DIM_X) {
        u64 g = (u64) offset + (u64) i;
        u32 w[4];
        philox_words((u64) seed, g, w);
        float u = (float) (w[g & 3u] >> 8) * 5.9604644775390625e-8f; /* 2^-24 */
        float span = hi - lo;
        float v = ADD_RN(lo, MUL_RN(span, u));
        store_from_f32(out, dt, i, v);
    }
}

KERNEL void philox_normal(GLOBAL u8* out, int dt, i64 seed, i64 offset, double mean, double std, int n) {
    for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < n; i += GRID_DIM_X * BLOCK_DIM_X) {
        u64 g = (u64) offset + (u64) i;
        u32 w[4];
        philox_words((u64) seed, g, w);
        int lane = (int) (g & 3u), pair = lane & ~1;
        double u1 = ((double) (w[pair] >> 8) + 1.0) * 5.9604644775390625e-8;
        double u2 = (double) (w[pair + 1] >> 8) * 5.9604644775390625e-8;
        double r = sqrt(-2.0 * log(u1));
        double angle = 2.0 * 3.141592653589793 * u2;
        double z = (lane & 1) == 0 ? r * cos(angle) : r * sin(angle);
        store_from_f32(out, dt, i, (float) (mean + std * z));
    }
}
