package dev.unitune.tensor;

/** Reductions over any set of axes. MEAN of integers is computed in double and returned as F32. */
public enum ReduceOp { SUM, MEAN, MAX, MIN, PROD }
