package dev.unitune.autograd;

import dev.unitune.tensor.Tensor;

import java.util.function.Function;

/**
 * Gradient checkpointing: runs a segment's forward under {@link NoGrad} (so none of its activations are
 * kept), and records a single node that, during backward, recomputes the segment with grad recording on
 * and back-propagates through the recomputed graph. Memory for the segment is then held only while its
 * own backward runs. Parameters used inside the segment receive their gradients during that inner backward.
 *
 * <p>Randomness replays exactly: the default {@link Generator}'s seed and offset at the start of the forward
 * are saved, and the recomputation runs with a default generator at that position (the live one is put back
 * untouched afterwards), so dropout draws the same mask twice. Segments that draw from other generators
 * must not use checkpointing (their masks would differ).
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static Var run(Function<Var[], Var> segment, Var... inputs) {
        if (!GradMode.isEnabled()) return segment.apply(inputs);
        Generator gen = Generator.defaultGenerator();
        long seedAtStart = gen.seed(), offsetAtStart = gen.offset();
        Var out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = segment.apply(detachAll(inputs));
        }
        Tensor result = out.tensor();
        if (!result.dtype().isFloating()) return out;
        // Parameters inside the segment may require gradients even when no input does, so always record.
        BackwardFn fn = g -> {
            Var[] fresh = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++)
                fresh[i] = Var.leaf(inputs[i].tensor(), inputs[i].requiresGrad());
            Var again;
            // replay the stream the forward drew from, without consuming the live default generator
            Generator live = Generator.swapDefault(new Generator(seedAtStart, offsetAtStart));
            try (NoGrad on = NoGrad.enable()) {
                again = segment.apply(fresh);
            } finally {
                Generator.swapDefault(live);
            }
            if (again.requiresGrad()) Engine.backward(again, g, false);
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) grads[i] = fresh[i].grad();
            return grads;
        };
        return Var.fromOpAlways("checkpoint", result, fn, inputs);
    }

    private static Var[] detachAll(Var[] inputs) {
        Var[] r = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) r[i] = inputs[i].detach();
        return r;
    }
}
