package dev.unitune.tensor;

/** Attention output [B, H, Lq, D] and the per-query log-sum-exp of scaled scores [B, H, Lq] (F32) for backward. */
public record AttentionResult(Tensor output, Tensor logSumExp) {}
