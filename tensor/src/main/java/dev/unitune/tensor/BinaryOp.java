package dev.unitune.tensor;

/**
 * Elementwise two-input ops with NumPy broadcasting. Comparisons return BOOL tensors. Integer division
 * truncates toward zero (C semantics), like Java.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW, ATAN2,
    EQ, NE, LT, LE, GT, GE, AND, OR;

    public boolean isComparison() { return ordinal() >= EQ.ordinal(); }
}
