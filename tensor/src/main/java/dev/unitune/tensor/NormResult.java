package dev.unitune.tensor;

/**
 * Output of a group/layer norm forward: y, and the per-row statistics saved for backward
 * (mean and reciprocal std, F32 — F64 when x is F64, so the double engine stays exact — shape [N, G] for
 * group norm and the leading dims for layer norm).
 */
public record NormResult(Tensor output, Tensor mean, Tensor rstd) {}
