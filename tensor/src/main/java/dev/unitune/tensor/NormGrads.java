package dev.unitune.tensor;

/** Gradients of a norm: input, and weight/bias (null when the norm had no affine parameters). */
public record NormGrads(Tensor gradInput, Tensor gradWeight, Tensor gradBias) {}
