package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;

/** diffusers Upsample2D: nearest-neighbour 2x, then (if useConv) a 3x3 conv with padding 1 named {@code conv}. */
public class Upsample2D extends Module {
    public final int channels, outChannels;
    private final Conv2d conv;

    public Upsample2D(int channels, boolean useConv, int outChannels) {
        this.channels = channels;
        this.outChannels = outChannels;
        if (!useConv && outChannels != channels)
            throw new IllegalArgumentException("Upsample2D without conv cannot change channels " + channels + " -> " + outChannels);
        conv = useConv ? registerModule("conv", new Conv2d(channels, outChannels, 3, 1, 1)) : null;
    }

    @Override
    public Var forward(Var x) {
        Var y = F.upsampleNearest(x, 2, 2);
        return conv == null ? y : conv.forward(y);
    }
}
