package dev.unitune.model.vae;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.model.unet.ResnetBlock2D;
import dev.unitune.model.unet.Upsampler;

import java.util.function.BiConsumer;

/**
 * diffusers Decoder: conv_in (latent -> widest channels); mid block; UpDecoderBlock2D per block in reversed
 * block_out_channels order (layers_per_block + 1 resnets, and except for the last block a nearest-2x + conv
 * upsampler); conv_norm_out -> act -> conv_out to image channels. GroupNorm eps 1e-6.
 */
public class VaeDecoder extends Module {
    private final Conv2d convIn, convOut;
    private final VaeMidBlock midBlock;
    private final ModuleList<UpDecoderBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Activation act;

    public VaeDecoder(VaeConfig c) {
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        convIn = registerModule("conv_in", new Conv2d(c.latentChannels(), boc[n - 1], 3, 1, 1));
        midBlock = registerModule("mid_block", new VaeMidBlock(boc[n - 1], c.normNumGroups(), VaeEncoder.EPS, c.actFn(), c.midBlockAddAttention()));
        upBlocks = registerModule("up_blocks", new ModuleList<>());
        int out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            upBlocks.add(new UpDecoderBlock(prev, out, c.layersPerBlock() + 1, c.normNumGroups(), c.actFn(), i < n - 1));
        }
        convNormOut = registerModule("conv_norm_out", new GroupNorm(c.normNumGroups(), boc[0], VaeEncoder.EPS));
        act = Activation.byName(c.actFn());
        convOut = registerModule("conv_out", new Conv2d(boc[0], c.outChannels(), 3, 1, 1));
    }

    public Var forward(Var z, BiConsumer<String, Var> tap) {
        Var x = convIn.forward(z);
        tap.accept("conv_in", x);
        x = midBlock.forward(x);
        tap.accept("mid_block", x);
        for (int i = 0; i < upBlocks.size(); i++) {
            x = upBlocks.get(i).forward(x);
            tap.accept("up_blocks." + i, x);
        }
        x = convNormOut.forward(x);
        tap.accept("conv_norm_out", x);
        x = convOut.forward(act.forward(x));
        tap.accept("conv_out", x);
        return x;
    }

    /** diffusers UpDecoderBlock2D: resnets without time embedding, optional 2x upsampler. */
    public static class UpDecoderBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Upsampler upsampler;

        public UpDecoderBlock(int in, int out, int layers, int groups, String act, boolean addUpsample) {
            resnets = registerModule("resnets", new ModuleList<>());
            for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, VaeEncoder.EPS, act, 1.0));
            if (addUpsample) {
                ModuleList<Upsampler> us = registerModule("upsamplers", new ModuleList<>());
                upsampler = us.add(new Upsampler(out, out));
            } else upsampler = null;
        }

        @Override
        public Var forward(Var x) {
            for (ResnetBlock2D r : resnets) x = r.forward(x, null);
            return upsampler == null ? x : upsampler.forward(x, null);
        }
    }
}
