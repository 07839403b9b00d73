package dev.unitune.autograd.nn;

import dev.unitune.autograd.Generator;

/** A layer that can carry a low-rank adapter (Linear, Conv2d); see {@link Lora}. */
public interface LoraTarget {
    /** Adds lora_A (kaiming-uniform) and lora_B (zeros) so the layer's output starts unchanged. */
    void attachLora(int rank, double alpha, Generator gen);

    boolean hasLora();

    /** Folds scale * B A into the base weight and removes the adapter. */
    void mergeLora();

    /** Removes the adapter without merging. */
    void detachLora();
}
