package dev.unitune.tensor;

/** Elementwise one-input ops. Formulas follow PyTorch (GELU exact uses erf; GELU_TANH the tanh approximation). */
public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, RECIPROCAL, SQUARE, SIN, COS, TANH, SIGMOID,
    RELU, SILU, GELU, GELU_TANH, QUICK_GELU, ERF, FLOOR, CEIL, ROUND, LOG1P, EXPM1,
    /** Logical not for BOOL, returns 1 where x == 0 otherwise. */
    NOT
}
