package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;

/**
 * diffusers ResnetBlock2D (time_embedding_norm "default", no up/down inside):
 * h = conv1(act(norm1(x))) [+ time_emb_proj(act(temb)) broadcast over H, W]; h = conv2(act(norm2(h)));
 * out = (shortcut(x) + h) / outputScaleFactor, with a 1x1 {@code conv_shortcut} when channels change.
 * The VAE uses it without a time embedding ({@code tembChannels} 0).
 */
public class ResnetBlock2D extends Module {
    public final int inChannels, outChannels;
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, convShortcut;
    private final Linear timeEmbProj;
    private final Activation act;
    private final double outputScaleFactor;

    public ResnetBlock2D(int inChannels, int outChannels, int tembChannels, int groups, double eps, String actFn,
                         double outputScaleFactor) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.outputScaleFactor = outputScaleFactor;
        norm1 = registerModule("norm1", new GroupNorm(groups, inChannels, eps));
        conv1 = registerModule("conv1", new Conv2d(inChannels, outChannels, 3, 1, 1));
        timeEmbProj = tembChannels > 0 ? registerModule("time_emb_proj", new Linear(tembChannels, outChannels)) : null;
        norm2 = registerModule("norm2", new GroupNorm(groups, outChannels, eps));
        conv2 = registerModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1));
        convShortcut = inChannels != outChannels ? registerModule("conv_shortcut", new Conv2d(inChannels, outChannels, 1, 1, 0)) : null;
        act = Activation.byName(actFn);
    }

    /** @param temb [B, tembChannels], or null for blocks built without a time embedding */
    public Var forward(Var x, Var temb) {
        Var h = conv1.forward(act.forward(norm1.forward(x)));
        if (timeEmbProj != null) {
            if (temb == null) throw new IllegalArgumentException("ResnetBlock2D with a time embedding called without one");
            Var t = timeEmbProj.forward(act.forward(temb));
            h = F.add(h, F.reshape(t, t.dim(0), t.dim(1), 1, 1));
        }
        h = conv2.forward(act.forward(norm2.forward(h)));
        Var skip = convShortcut != null ? convShortcut.forward(x) : x;
        Var out = F.add(skip, h);
        return outputScaleFactor == 1.0 ? out : F.div(out, outputScaleFactor);
    }

    @Override
    public Var forward(Var x) { return forward(x, null); }
}
