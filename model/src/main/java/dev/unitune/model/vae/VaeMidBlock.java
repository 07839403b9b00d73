package dev.unitune.model.vae;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.model.unet.ResnetBlock2D;

/** diffusers UNetMidBlock2D as the VAE uses it: resnets.0, attentions.0 (single-head), resnets.1; no time embedding. */
public class VaeMidBlock extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<VaeAttention> attentions;

    public VaeMidBlock(int channels, int groups, double eps, String act, boolean addAttention) {
        attentions = addAttention ? registerModule("attentions", new ModuleList<>()) : null;
        resnets = registerModule("resnets", new ModuleList<>());
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, act, 1.0));
        if (addAttention) attentions.add(new VaeAttention(channels, groups, eps));
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, act, 1.0));
    }

    @Override
    public Var forward(Var x) {
        x = resnets.get(0).forward(x, null);
        if (attentions != null) x = attentions.get(0).forward(x);
        return resnets.get(1).forward(x, null);
    }
}
