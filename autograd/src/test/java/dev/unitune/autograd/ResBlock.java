package dev.unitune.autograd;

import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Dropout;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Module;

/** A diffusers-style ResNet block without time embedding: x + conv2(drop(silu(gn2(conv1(silu(gn1(x))))))). */
public final class ResBlock extends Module {
    final GroupNorm norm1, norm2;
    final Conv2d conv1, conv2;
    final Dropout dropout;

    public ResBlock(int channels, int groups, double dropoutP) {
        norm1 = registerModule("norm1", new GroupNorm(groups, channels, 1e-5));
        conv1 = registerModule("conv1", new Conv2d(channels, channels, 3, 1, 1));
        norm2 = registerModule("norm2", new GroupNorm(groups, channels, 1e-5));
        dropout = registerModule("dropout", new Dropout(dropoutP));
        conv2 = registerModule("conv2", new Conv2d(channels, channels, 3, 1, 1));
    }

    @Override
    public Var forward(Var x) {
        Var h = conv1.forward(F.silu(norm1.forward(x)));
        h = conv2.forward(dropout.forward(F.silu(norm2.forward(h))));
        return F.add(x, h);
    }
}
