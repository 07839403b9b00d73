package dev.unitune.tensor;

/** Gradients of scaled-dot-product attention with respect to q, k and v. */
public record AttentionGrads(Tensor gradQ, Tensor gradK, Tensor gradV) {}
