package dev.unitune.model.unet;

import dev.unitune.autograd.Checkpoint;
import dev.unitune.autograd.Var;

/**
 * Runs one resnet or one transformer of a UNet block, through gradient checkpointing when asked: the
 * activations inside the layer are then dropped after the forward and recomputed during backward (the
 * granularity diffusers uses), trading about one extra forward for much less memory.
 */
final class BlockRunner {
    private BlockRunner() {}

    static Var resnet(ResnetBlock2D r, Var x, Var temb, boolean checkpoint) {
        if (!checkpoint) return r.forward(x, temb);
        return Checkpoint.run(in -> r.forward(in[0], in[1]), x, temb);
    }

    static Var transformer(Transformer2DModel t, Var x, Var context, boolean checkpoint) {
        if (!checkpoint) return t.forward(x, context);
        return Checkpoint.run(in -> t.forward(in[0], in[1]), x, context);
    }
}
