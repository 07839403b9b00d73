package dev.unitune.model.unet;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Downsample2D;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers CrossAttnDownBlock2D (with {@code attentions}) or DownBlock2D (without): {@code resnets.i}, each
 * followed by {@code attentions.i} when cross-attending, then an optional {@code downsamplers.0} (3x3 stride-2
 * conv). Every resnet/attention output and the downsampled output are skip connections for the up path.
 */
public class UNetDownBlock extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Transformer2DModel> attentions;
    private final Downsample2D downsampler;

    /** Output of a down block: the hidden state passed on, and the skip connections it produced, in order. */
    public record Output(Var hidden, List<Var> skips) {}

    public UNetDownBlock(boolean crossAttention, int numLayers, int transformerLayers, int inChannels, int outChannels,
                         int tembChannels, boolean addDownsample, double eps, String act, int groups,
                         int crossAttentionDim, int heads, int downsamplePadding, boolean useLinearProjection,
                         boolean onlyCrossAttention, double outputScaleFactor) {
        resnets = registerModule("resnets", new ModuleList<>());
        attentions = crossAttention ? registerModule("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, tembChannels, groups, eps, act, outputScaleFactor));
            if (crossAttention)
                attentions.add(new Transformer2DModel(heads, outChannels / heads, outChannels, transformerLayers, crossAttentionDim,
                        groups, useLinearProjection, onlyCrossAttention));
        }
        if (addDownsample) {
            ModuleList<Downsample2D> ds = registerModule("downsamplers", new ModuleList<>());
            downsampler = ds.add(new Downsample2D(outChannels, true, outChannels, downsamplePadding));
        } else downsampler = null;
    }

    public Output forward(Var x, Var temb, Var context, boolean checkpoint) {
        List<Var> skips = new ArrayList<>();
        for (int i = 0; i < resnets.size(); i++) {
            x = BlockRunner.resnet(resnets.get(i), x, temb, checkpoint);
            if (attentions != null) x = BlockRunner.transformer(attentions.get(i), x, context, checkpoint);
            skips.add(x);
        }
        if (downsampler != null) {
            x = downsampler.forward(x);
            skips.add(x);
        }
        return new Output(x, skips);
    }
}
