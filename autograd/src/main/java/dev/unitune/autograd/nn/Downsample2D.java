package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Pool2dSpec;

/**
 * diffusers Downsample2D. With a conv (named {@code conv}): 3x3, stride 2, the given padding; padding 0 means
 * the VAE encoder's form, which first pads (0, 1, 0, 1) — right and bottom by one — then convolves without
 * padding. Without a conv: 2x2 average pooling, stride 2.
 */
public class Downsample2D extends Module {
    public final int channels, outChannels, padding;
    private final Conv2d conv;

    public Downsample2D(int channels, boolean useConv, int outChannels, int padding) {
        this.channels = channels;
        this.outChannels = outChannels;
        this.padding = padding;
        if (!useConv && outChannels != channels)
            throw new IllegalArgumentException("Downsample2D without conv cannot change channels " + channels + " -> " + outChannels);
        conv = useConv ? registerModule("conv", new Conv2d(channels, outChannels, 3, 2, padding)) : null;
    }

    @Override
    public Var forward(Var x) {
        if (conv == null) return F.avgPool2d(x, Pool2dSpec.of(2, 2));
        Var in = padding == 0 ? F.pad(x, new int[]{0, 1, 0, 1}, 0) : x;
        return conv.forward(in);
    }
}
