package dev.unitune.autograd;

import dev.unitune.tensor.Tensor;

/**
 * The backward formula of one recorded op: given dL/d(output), return dL/d(input i) for every input in the
 * order they were recorded (null where an input needs no gradient). Formulas must use Backend ops, so that
 * gradients run on the device the tensors live on. The tensors a formula captures are its "saved tensors";
 * the engine drops the whole function (and so them) as soon as it has run.
 */
@FunctionalInterface
public interface BackwardFn {
    Tensor[] apply(Tensor gradOut);
}
