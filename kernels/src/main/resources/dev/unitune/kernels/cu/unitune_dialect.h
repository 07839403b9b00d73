/*
 * The portable kernel dialect: every kernel file includes this header and is compiled twice, as CUDA by
 * nvcc (to PTX, committed) and as OpenCL C by the platform at run time (the Java loader pastes this header
 * in place of the #include line). Kernels use only the macros below for indices, memory spaces, barriers
 * and math, so the PoCL tests in CI exercise the same kernel logic the CUDA backend runs.
 *
 * Rules that keep both compilers (and PoCL's work-group loop transformation) happy:
 *  - launch geometry is CUDA style: a grid of blocks of threads; OpenCL global size = grid * block;
 *  - LOCAL arrays are declared at kernel scope, with sizes fixed at compile time;
 *  - BARRIER() is never inside a branch or loop whose condition differs between threads of a block and
 *    never after an early return: threads with no work stay in the loop and guard their loads/stores.
 */
#ifndef UNITUNE_DIALECT_H
#define UNITUNE_DIALECT_H

#ifdef __CUDACC__
/* ---------------------------------------------------------------- CUDA */
#define KERNEL extern "C" __global__
#define DEVICE static __device__ __forceinline__
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR /* a pointer parameter into shared memory needs no qualifier in CUDA */
#define CONSTANT const
#define BARRIER() __syncthreads()
#define THREAD_X ((int) threadIdx.x)
#define THREAD_Y ((int) threadIdx.y)
#define BLOCK_X ((int) blockIdx.x)
#define BLOCK_Y ((int) blockIdx.y)
#define BLOCK_Z ((int) blockIdx.z)
#define BLOCK_DIM_X ((int) blockDim.x)
#define BLOCK_DIM_Y ((int) blockDim.y)
#define GRID_DIM_X ((int) gridDim.x)
typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
#define AS_INT(f) __float_as_int(f)
#define AS_FLOAT(i) __int_as_float(i)
#define ATOMIC_ADD_F32(p, v) atomicAdd((p), (v))
#define INF_F32 __int_as_float(0x7f800000)
#define MULHI_U32(a, b) __umulhi((a), (b))
/* Separately rounded float multiply and add (no contraction into an FMA), for bit-exact ports. */
#define MUL_RN(a, b) __fmul_rn((a), (b))
#define ADD_RN(a, b) __fadd_rn((a), (b))
#define NAN_F32 __int_as_float(0x7fc00000)

#else
/* -------------------------------------------------------------- OpenCL C */
#define KERNEL __kernel
#define DEVICE static inline
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local
#define CONSTANT __constant
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define THREAD_X ((int) get_local_id(0))
#define THREAD_Y ((int) get_local_id(1))
#define BLOCK_X ((int) get_group_id(0))
#define BLOCK_Y ((int) get_group_id(1))
#define BLOCK_Z ((int) get_group_id(2))
#define BLOCK_DIM_X ((int) get_local_size(0))
#define BLOCK_DIM_Y ((int) get_local_size(1))
#define GRID_DIM_X ((int) get_num_groups(0))
typedef long i64;
typedef ulong u64;
typedef uint u32;
typedef ushort u16;
typedef uchar u8;
#define AS_INT(f) as_int(f)
#define AS_FLOAT(i) as_float(i)
#define INF_F32 INFINITY
#define MULHI_U32(a, b) mul_hi((u32) (a), (u32) (b))
/* OpenCL contracts a*b+c only when FP_CONTRACT is on; kernels that need separate roundings switch it off. */
#define MUL_RN(a, b) ((a) * (b))
#define ADD_RN(a, b) ((a) + (b))
#define NAN_F32 NAN
/* CUDA's float math names mapped onto OpenCL's overloaded built-ins. */
#define expf(x) exp(x)
#define logf(x) log(x)
#define sqrtf(x) sqrt(x)
#define rsqrtf(x) rsqrt(x)
#define sinf(x) sin(x)
#define cosf(x) cos(x)
#define tanhf(x) tanh(x)
#define erff(x) erf(x)
#define fabsf(x) fabs(x)
#define floorf(x) floor(x)
#define ceilf(x) ceil(x)
#define rintf(x) rint(x)
#define log1pf(x) log1p(x)
#define expm1f(x) expm1(x)
#define powf(x, y) pow(x, y)
#define atan2f(y, x) atan2(y, x)
#define fmaxf(x, y) fmax(x, y)
#define fminf(x, y) fmin(x, y)
#define fmaf(x, y, z) fma(x, y, z)
/* Compare-and-swap loop: OpenCL 1.2 has no float atomic add. */
DEVICE void ATOMIC_ADD_F32(volatile GLOBAL float* p, float v) {
    union { u32 u; float f; } oldv, newv;
    do {
        oldv.f = *p;
        newv.f = oldv.f + v;
    } while (atomic_cmpxchg((volatile GLOBAL u32*) p, oldv.u, newv.u) != oldv.u);
}
#endif

/* ------------------------------------------------------------ shared by both */

/* Must match dev.unitune.kernels.device.ViewArg: a strided view of up to 8 dims, in elements. */
#define MAX_RANK 8
typedef struct {
    int shape[MAX_RANK];
    int strides[MAX_RANK];
    int rank;
    int offset;
} View;

/* Storage index of the i-th element (row-major over shape) of a view. */
DEVICE int view_index(View v, int i) {
    int idx = v.offset;
    for (int d = v.rank - 1; d >= 0; d--) {
        int s = v.shape[d];
        int c = i % s;
        i /= s;
        idx += c * v.strides[d];
    }
    return idx;
}

/* Dtype codes: must match DType.ordinal() in the tensor module. */
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_F64 3
#define DT_I32 4
#define DT_I64 5
#define DT_U8 6
#define DT_BOOL 7

/* IEEE half bits to float, by bit manipulation (subnormals, inf and NaN included). */
DEVICE float f16_to_f32(u16 h) {
    u32 sign = ((u32) h & 0x8000u) << 16;
    u32 exp = ((u32) h >> 10) & 0x1fu;
    u32 man = (u32) h & 0x3ffu;
    u32 bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: value = man * 2^-24 */
            float f = (float) man * 5.9604644775390625e-8f;
            return sign ? -f : f;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    }
    return AS_FLOAT((int) bits);
}

/* Float to IEEE half bits, round to nearest even (as Java's reference conversion in the CPU backend). */
DEVICE u16 f32_to_f16(float f) {
    u32 x = (u32) AS_INT(f);
    u32 sign = (x >> 16) & 0x8000u;
    u32 ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (u16) (sign | 0x7c00u | (ax > 0x7f800000u ? (0x200u | ((ax & 0x7fffffu) >> 13)) : 0u));
    if (ax >= 0x477ff000u) return (u16) (sign | 0x7c00u); /* rounds to >= 65520: overflow to inf */
    if (ax < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        if (ax < 0x33000000u) return (u16) sign; /* below half of the smallest subnormal */
        u32 e = ax >> 23;
        u32 m = (ax & 0x7fffffu) | 0x800000u;
        u32 shift = 126u - e; /* 14..24 */
        u32 hv = m >> shift; /* not "half": a type name in OpenCL C */
        u32 rem = m & ((1u << shift) - 1u);
        u32 mid = 1u << (shift - 1u);
        if (rem > mid || (rem == mid && (hv & 1u))) hv++;
        return (u16) (sign | hv);
    }
    u32 h = ((ax >> 13) - (112u << 10));
    u32 rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
    return (u16) (sign | h);
}

DEVICE float bf16_to_f32(u16 b) { return AS_FLOAT((int) ((u32) b << 16)); }

/* Float to bfloat16 bits, round to nearest even; NaN stays a quiet NaN. */
DEVICE u16 f32_to_bf16(float f) {
    u32 x = (u32) AS_INT(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (u16) ((x >> 16) | 0x40u);
    u32 lsb = (x >> 16) & 1u;
    x += 0x7fffu + lsb;
    return (u16) (x >> 16);
}

/* Element idx of a buffer of dtype dt, read as float. */
DEVICE float load_as_f32(GLOBAL const u8* base, int dt, int idx) {
    switch (dt) {
        case DT_F32: return ((GLOBAL const float*) base)[idx];
        case DT_F16: return f16_to_f32(((GLOBAL const u16*) base)[idx]);
        case DT_BF16: return bf16_to_f32(((GLOBAL const u16*) base)[idx]);
        case DT_I32: return (float) ((GLOBAL const int*) base)[idx];
        case DT_I64: return (float) ((GLOBAL const i64*) base)[idx];
        default: return (float) base[idx];
    }
}

/* Stores a float as dtype dt: rounding for F16/BF16, truncation toward zero for integers, 0/1 for BOOL. */
DEVICE void store_from_f32(GLOBAL u8* base, int dt, int idx, float v) {
    switch (dt) {
        case DT_F32: ((GLOBAL float*) base)[idx] = v; break;
        case DT_F16: ((GLOBAL u16*) base)[idx] = f32_to_f16(v); break;
        case DT_BF16: ((GLOBAL u16*) base)[idx] = f32_to_bf16(v); break;
        case DT_I32: ((GLOBAL int*) base)[idx] = (int) v; break;
        case DT_I64: ((GLOBAL i64*) base)[idx] = (i64) v; break;
        case DT_BOOL: base[idx] = (u8) (v != 0.0f ? 1 : 0); break;
        default: base[idx] = (u8) (int) v; break;
    }
}

/* Reduction combiners; codes follow ReduceOp.ordinal() (SUM 0, MEAN 1, MAX 2, MIN 3, PROD 4). NaN wins max/min. */
#define RED_SUM 0
#define RED_MEAN 1
#define RED_MAX 2
#define RED_MIN 3
#define RED_PROD 4
DEVICE float red_identity(int op) {
    return op == RED_MAX ? -INF_F32 : (op == RED_MIN ? INF_F32 : (op == RED_PROD ? 1.0f : 0.0f));
}
DEVICE float red_combine(int op, float a, float b) {
    switch (op) {
        case RED_MAX: return (a != a || b != b) ? NAN_F32 : (a > b ? a : b);
        case RED_MIN: return (a != a || b != b) ? NAN_F32 : (a < b ? a : b);
        case RED_PROD: return a * b;
        default: return a + b;
    }
}

/*
 * Reduction of v over the 256 threads of a 1-D block (row kernels always launch 256); every thread gets
 * the result. All threads must call it. The tree is written out step by step rather than as a loop:
 * PoCL gave intermittently wrong sums for a barrier inside a loop whose bound is the local size.
 */
#define RED_THREADS 256
#define RED_STEP(s) if (t < (s)) scratch[t] = red_combine(op, scratch[t], scratch[t + (s)]); BARRIER();
DEVICE float block_reduce(LOCAL_PTR float* scratch, float v, int op) {
    int t = THREAD_X;
    scratch[t] = v;
    BARRIER();
    RED_STEP(128) RED_STEP(64) RED_STEP(32) RED_STEP(16) RED_STEP(8) RED_STEP(4) RED_STEP(2) RED_STEP(1)
    float r = scratch[0];
    BARRIER(); /* scratch may be reused right after */
    return r;
}

#endif
