package dev.unitune.tensor;

/** Max-pool output and the flat input index (within each H*W plane, I32) of every maximum, for backward. */
public record PoolResult(Tensor output, Tensor indices) {}
