package dev.unitune.autograd.nn;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Tensor;

/** A trainable leaf owned by a {@link Module}; requires a gradient unless frozen. */
public final class Parameter extends Var {
    public Parameter(Tensor data) { super(data, true); }

    public Parameter(Tensor data, boolean requiresGrad) { super(data, requiresGrad); }
}
