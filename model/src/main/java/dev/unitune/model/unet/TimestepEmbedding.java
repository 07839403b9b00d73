package dev.unitune.model.unet;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;

/** diffusers TimestepEmbedding: linear_1 -> act -> linear_2, mapping the sinusoid to the time embedding. */
public class TimestepEmbedding extends Module {
    private final Linear linear1, linear2;
    private final Activation act;

    public TimestepEmbedding(int inChannels, int timeEmbedDim, String actFn) {
        linear1 = registerModule("linear_1", new Linear(inChannels, timeEmbedDim));
        linear2 = registerModule("linear_2", new Linear(timeEmbedDim, timeEmbedDim));
        act = Activation.byName(actFn);
    }

    @Override
    public Var forward(Var sinusoid) { return linear2.forward(act.forward(linear1.forward(sinusoid))); }
}
