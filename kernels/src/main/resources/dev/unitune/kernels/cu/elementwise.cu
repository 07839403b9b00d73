/*
 * Elementwise kernels over strided views: copy/cast, unary, binary (broadcast by zero strides), scalar,
 * where, clamp, fill, arange. CPU reference: dev.unitune.tensor.cpu.CpuBackend (unary, binary,
 * binaryScalar, where, clamp, fill, arange, copy, cast). Values are computed in float; the Java side sends
 * integer-dtype arithmetic to the CPU, where float would lose precision.
 * One thread per output element; grid-stride loops so any n fits any grid.
 */
#include "unitune_dialect.h"

/* Op codes: UnaryOp.ordinal(). */
#define U_NEG 0
#define U_ABS 1
#define U_SIGN 2
#define U_EXP 3
#define U_LOG 4
#define U_SQRT 5
#define U_RSQRT 6
#define U_RECIPROCAL 7
#define U_SQUARE 8
#define U_SIN 9
#define U_COS 10
#define U_TANH 11
#define U_SIGMOID 12
#define U_RELU 13
#define U_SILU 14
#define U_GELU 15
#define U_GELU_TANH 16
#define U_QUICK_GELU 17
#define U_ERF 18
#define U_FLOOR 19
#define U_CEIL 20
#define U_ROUND 21
#define U_LOG1P 22
#define U_EXPM1 23
#define U_NOT 24

/* Op codes: BinaryOp.ordinal(). */
#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3
#define B_MAX 4
#define B_MIN 5
#define B_POW 6
#define B_ATAN2 7
#define B_EQ 8
#define B_NE 9
#define B_LT 10
#define B_LE 11
#define B_GT 12
#define B_GE 13
#define B_AND 14
#define B_OR 15

DEVICE float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

DEVICE float unary_f(int op, float x) {
    switch (op) {
        case U_NEG: return -x;
        case U_ABS: return fabsf(x);
        case U_SIGN: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x); /* keeps 0, -0 and NaN */
        case U_EXP: return expf(x);
        case U_LOG: return logf(x);
        case U_SQRT: return sqrtf(x);
        case U_RSQRT: return 1.0f / sqrtf(x);
        case U_RECIPROCAL: return 1.0f / x;
        case U_SQUARE: return x * x;
        case U_SIN: return sinf(x);
        case U_COS: return cosf(x);
        case U_TANH: return tanhf(x);
        case U_SIGMOID: return sigmoid_f(x);
        case U_RELU: return x > 0.0f ? x : (x != x ? x : 0.0f);
        case U_SILU: return x * sigmoid_f(x);
        case U_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        case U_GELU_TANH: {
            float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return 0.5f * x * (1.0f + tanhf(inner));
        }
        case U_QUICK_GELU: return x * sigmoid_f(1.702f * x);
        case U_ERF: return erff(x);
        case U_FLOOR: return floorf(x);
        case U_CEIL: return ceilf(x);
        case U_ROUND: return rintf(x); /* half to even, as torch.round */
        case U_LOG1P: return log1pf(x);
        case U_EXPM1: return expm1f(x);
        case U_NOT: return x == 0.0f ? 1.0f : 0.0f;
        default: return NAN_F32;
    }
}

DEVICE float binary_f(int op, float a, float b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_MAX: return (a != a || b != b) ? NAN_F32 : (a > b ? a : b); /* NaN propagates, as torch.maximum */
        case B_MIN: return (a != a || b != b) ? NAN_F32 : (a < b ? a : b);
        case B_POW: return powf(a, b);
        case B_ATAN2: return atan2f(a, b);
        case B_EQ: return a == b ? 1.0f : 0.0f;
        case B_NE: return a != b ? 1.0f : 0.0f;
        case B_LT: return a < b ? 1.0f : 0.0f;
        case B_LE: return a <= b ? 1.0f : 0.0f;
        case B_GT: return a > b ? 1.0f : 0.0f;
        case B_GE: return a >= b ? 1.0f : 0.0f;
        case B_AND: return (a != 0.0f && b != 0.0f) ? 1.0f : 0.0f;
        case B_OR: return (a != 0.0f || b != 0.0f) ? 1.0f : 0.0f;
        default: return NAN_F32;
    }
}

#define GRID_STRIDE_LOOP(i, n) for (int i = BLOCK_X * BLOCK_DIM_X + THREAD_X; i < (n); i += GRID_DIM_X * BLOCK_DIM_X)

/* Copies view src (dtype inDt) into view dst (dtype outDt); same dtypes copy bits exactly. */
KERNEL void copy_view(View src, GLOBAL const u8* in, int inDt, View dst, GLOBAL u8* out, int outDt, int n) {
    GRID_STRIDE_LOOP(i, n) {
        int si = view_index(src, i);
        int di = view_index(dst, i);
        if (inDt == outDt) {
            if (inDt == DT_F32 || inDt == DT_I32) ((GLOBAL int*) out)[di] = ((GLOBAL const int*) in)[si];
            else if (inDt == DT_F16 || inDt == DT_BF16) ((GLOBAL u16*) out)[di] = ((GLOBAL const u16*) in)[si];
            else if (inDt == DT_I64 || inDt == DT_F64) ((GLOBAL i64*) out)[di] = ((GLOBAL const i64*) in)[si];
            else out[di] = in[si];
        } else {
            store_from_f32(out, outDt, di, load_as_f32(in, inDt, si));
        }
    }
}

KERNEL void unary_op(int op, View x, GLOBAL const u8* in, int dt, GLOBAL u8* out, int n) {
    GRID_STRIDE_LOOP(i, n) {
        store_from_f32(out, dt, i, unary_f(op, load_as_f32(in, dt, view_index(x, i))));
    }
}

/* a and b are views already broadcast to the output shape; out is contiguous. */
KERNEL void binary_op(int op, View a, GLOBAL const u8* ina, View b, GLOBAL const u8* inb, int dt,
                      GLOBAL u8* out, int outDt, int n) {
    GRID_STRIDE_LOOP(i, n) {
        float va = load_as_f32(ina, dt, view_index(a, i));
        float vb = load_as_f32(inb, dt, view_index(b, i));
        store_from_f32(out, outDt, i, binary_f(op, va, vb));
    }
}

KERNEL void binary_scalar_op(int op, View x, GLOBAL const u8* in, int dt, float scalar, GLOBAL u8* out, int outDt, int n) {
    GRID_STRIDE_LOOP(i, n) {
        store_from_f32(out, outDt, i, binary_f(op, load_as_f32(in, dt, view_index(x, i)), scalar));
    }
}

KERNEL void where_op(View c, GLOBAL const u8* inc, int cdt, View a, GLOBAL const u8* ina, View b, GLOBAL const u8* inb,
                     int dt, GLOBAL u8* out, int n) {
    GRID_STRIDE_LOOP(i, n) {
        float cond = load_as_f32(inc, cdt, view_index(c, i));
        float v = cond != 0.0f ? load_as_f32(ina, dt, view_index(a, i)) : load_as_f32(inb, dt, view_index(b, i));
        store_from_f32(out, dt, i, v);
    }
}

KERNEL void clamp_op(View x, GLOBAL const u8* in, int dt, float lo, float hi, GLOBAL u8* out, int n) {
    GRID_STRIDE_LOOP(i, n) {
        float v = load_as_f32(in, dt, view_index(x, i));
        if (v == v) v = fminf(fmaxf(v, lo), hi); /* NaN passes through, as torch.clamp */
        store_from_f32(out, dt, i, v);
    }
}

/* Integer dtypes fill exactly from (ivalue); float dtypes from value. */
KERNEL void fill_op(GLOBAL u8* out, int dt, float value, i64 ivalue, int n) {
    GRID_STRIDE_LOOP(i, n) {
        if (dt == DT_I64) ((GLOBAL i64*) out)[i] = ivalue;
        else if (dt == DT_I32) ((GLOBAL int*) out)[i] = (int) ivalue;
        else store_from_f32(out, dt, i, value);
    }
}

/* start + i * step; integer dtypes use the exact integer start/step. */
KERNEL void arange_op(GLOBAL u8* out, int dt, float start, float step, i64 istart, i64 istep, int n) {
    GRID_STRIDE_LOOP(i, n) {
        if (dt == DT_I64) ((GLOBAL i64*) out)[i] = istart + (i64) i * istep;
        else if (dt == DT_I32) ((GLOBAL int*) out)[i] = (int) (istart + (i64) i * istep);
        else store_from_f32(out, dt, i, start + (float) i * step);
    }
}
