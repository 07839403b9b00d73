package dev.unitune.model.vae;

import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Downsample2D;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.model.unet.ResnetBlock2D;

import java.util.function.BiConsumer;

/**
 * diffusers Encoder (double_z): conv_in; DownEncoderBlock2D per block_out_channels entry (resnets, and except for
 * the last block a downsampler that pads right/bottom by one, then a 3x3 stride-2 conv without padding); mid
 * block; conv_norm_out -> act -> conv_out to 2 x latent channels (mean and log-variance). GroupNorm eps 1e-6.
 */
public class VaeEncoder extends Module {
    static final double EPS = 1e-6;
    private final Conv2d convIn, convOut;
    private final ModuleList<DownEncoderBlock> downBlocks;
    private final VaeMidBlock midBlock;
    private final GroupNorm convNormOut;
    private final Activation act;

    public VaeEncoder(VaeConfig c) {
        int[] boc = c.blockOutChannels();
        convIn = registerModule("conv_in", new Conv2d(c.inChannels(), boc[0], 3, 1, 1));
        downBlocks = registerModule("down_blocks", new ModuleList<>());
        int out = boc[0];
        for (int i = 0; i < boc.length; i++) {
            int in = out;
            out = boc[i];
            downBlocks.add(new DownEncoderBlock(in, out, c.layersPerBlock(), c.normNumGroups(), c.actFn(), i < boc.length - 1));
        }
        midBlock = registerModule("mid_block", new VaeMidBlock(boc[boc.length - 1], c.normNumGroups(), EPS, c.actFn(), c.midBlockAddAttention()));
        convNormOut = registerModule("conv_norm_out", new GroupNorm(c.normNumGroups(), boc[boc.length - 1], EPS));
        act = Activation.byName(c.actFn());
        convOut = registerModule("conv_out", new Conv2d(boc[boc.length - 1], 2 * c.latentChannels(), 3, 1, 1));
    }

    public Var forward(Var x, BiConsumer<String, Var> tap) {
        x = convIn.forward(x);
        tap.accept("conv_in", x);
        for (int i = 0; i < downBlocks.size(); i++) {
            x = downBlocks.get(i).forward(x);
            tap.accept("down_blocks." + i, x);
        }
        x = midBlock.forward(x);
        tap.accept("mid_block", x);
        x = convNormOut.forward(x);
        tap.accept("conv_norm_out", x);
        x = convOut.forward(act.forward(x));
        tap.accept("conv_out", x);
        return x;
    }

    /** diffusers DownEncoderBlock2D: resnets without time embedding, optional (0,1,0,1)-padded stride-2 downsampler. */
    public static class DownEncoderBlock extends Module {
        private final ModuleList<ResnetBlock2D> resnets;
        private final Downsample2D downsampler;

        public DownEncoderBlock(int in, int out, int layers, int groups, String act, boolean addDownsample) {
            resnets = registerModule("resnets", new ModuleList<>());
            for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, EPS, act, 1.0));
            if (addDownsample) {
                ModuleList<Downsample2D> ds = registerModule("downsamplers", new ModuleList<>());
                downsampler = ds.add(new Downsample2D(out, true, out, 0));
            } else downsampler = null;
        }

        @Override
        public Var forward(Var x) {
            for (ResnetBlock2D r : resnets) x = r.forward(x, null);
            return downsampler == null ? x : downsampler.forward(x);
        }
    }
}
