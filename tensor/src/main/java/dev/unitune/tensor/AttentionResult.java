package dev.unitune.tensor;

/**
 * Attention output [B, H, Lq, Dv] and the per-query log-sum-exp of the scaled, masked scores [B, H, Lq] for
 * backward: F32 (F64 when q is F64), -inf for a query whose keys are all hidden.
 */
public record AttentionResult(Tensor output, Tensor logSumExp) {}
