package dev.unitune.model.unet;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;

/**
 * diffusers UNetMidBlock2DCrossAttn: {@code resnets.0}, then for each layer {@code attentions.i} followed by
 * {@code resnets.(i+1)}; channels unchanged.
 */
public class UNetMidBlock extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Transformer2DModel> attentions;

    public UNetMidBlock(int channels, int tembChannels, double eps, String act, int groups, double outputScaleFactor,
                        int crossAttentionDim, int heads, int transformerLayers, boolean useLinearProjection, int numLayers) {
        attentions = registerModule("attentions", new ModuleList<>());
        resnets = registerModule("resnets", new ModuleList<>());
        resnets.add(new ResnetBlock2D(channels, channels, tembChannels, groups, eps, act, outputScaleFactor));
        for (int i = 0; i < numLayers; i++) {
            attentions.add(new Transformer2DModel(heads, channels / heads, channels, transformerLayers, crossAttentionDim, groups,
                    useLinearProjection, false));
            resnets.add(new ResnetBlock2D(channels, channels, tembChannels, groups, eps, act, outputScaleFactor));
        }
    }

    public Var forward(Var x, Var temb, Var context, boolean checkpoint) {
        x = BlockRunner.resnet(resnets.get(0), x, temb, checkpoint);
        for (int i = 0; i < attentions.size(); i++) {
            x = BlockRunner.transformer(attentions.get(i), x, context, checkpoint);
            x = BlockRunner.resnet(resnets.get(i + 1), x, temb, checkpoint);
        }
        return x;
    }
}
