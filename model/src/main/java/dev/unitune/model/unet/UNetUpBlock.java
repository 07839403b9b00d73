package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;

import java.util.List;

/**
 * diffusers CrossAttnUpBlock2D (with {@code attentions}) or UpBlock2D (without). Each of its numLayers resnets
 * first concatenates (along channels) the most recent unused skip connection of the down path; the last
 * resnet's skip has the channel count of the block below ({@code inChannels}), the others {@code outChannels};
 * the first resnet's own input comes from the previous up block ({@code prevOutputChannels}). Then an optional
 * {@code upsamplers.0}.
 */
public class UNetUpBlock extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Transformer2DModel> attentions;
    private final Upsampler upsampler;

    public UNetUpBlock(boolean crossAttention, int numLayers, int transformerLayers, int inChannels, int outChannels,
                       int prevOutputChannels, int tembChannels, boolean addUpsample, double eps, String act, int groups,
                       int crossAttentionDim, int heads, boolean useLinearProjection, boolean onlyCrossAttention,
                       double outputScaleFactor) {
        resnets = registerModule("resnets", new ModuleList<>());
        attentions = crossAttention ? registerModule("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < numLayers; i++) {
            int skipChannels = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            resnets.add(new ResnetBlock2D(resnetIn + skipChannels, outChannels, tembChannels, groups, eps, act, outputScaleFactor));
            if (crossAttention)
                attentions.add(new Transformer2DModel(heads, outChannels / heads, outChannels, transformerLayers, crossAttentionDim,
                        groups, useLinearProjection, onlyCrossAttention));
        }
        if (addUpsample) {
            ModuleList<Upsampler> us = registerModule("upsamplers", new ModuleList<>());
            upsampler = us.add(new Upsampler(outChannels, outChannels));
        } else upsampler = null;
    }

    public int numResnets() { return resnets.size(); }

    /**
     * @param skips      this block's skip connections, oldest first (consumed newest first)
     * @param upsampleTo {height, width} for the upsampler, or null for exactly 2x
     */
    public Var forward(Var x, List<Var> skips, Var temb, Var context, int[] upsampleTo, boolean checkpoint) {
        if (skips.size() != resnets.size())
            throw new IllegalArgumentException("up block with " + resnets.size() + " resnets given " + skips.size() + " skip connections");
        for (int i = 0; i < resnets.size(); i++) {
            Var skip = skips.get(skips.size() - 1 - i);
            x = F.concat(1, x, skip);
            x = BlockRunner.resnet(resnets.get(i), x, temb, checkpoint);
            if (attentions != null) x = BlockRunner.transformer(attentions.get(i), x, context, checkpoint);
        }
        if (upsampler != null) x = upsampler.forward(x, upsampleTo);
        return x;
    }
}
