package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;

/**
 * diffusers Transformer2DModel for continuous (image) input: GroupNorm (eps 1e-6), {@code proj_in}, the
 * feature map flattened to a [B, H*W, inner] sequence, {@code transformer_blocks}, {@code proj_out}, plus the
 * residual. SD 1.x projects with 1x1 convs before flattening; SD 2.x ({@code use_linear_projection}) with
 * Linear layers after flattening. The two orders give the same function, but the weights differ in shape
 * ([C, C, 1, 1] vs [C, C]), so the layout must follow the config.
 */
public class Transformer2DModel extends Module {
    private final GroupNorm norm;
    private final Module projIn, projOut;
    private final ModuleList<BasicTransformerBlock> blocks;
    private final boolean linearProjection;
    public final int inChannels, innerDim;

    public Transformer2DModel(int heads, int headDim, int inChannels, int numLayers, int crossAttentionDim, int groups,
                              boolean useLinearProjection, boolean onlyCrossAttention) {
        this.inChannels = inChannels;
        this.innerDim = heads * headDim;
        this.linearProjection = useLinearProjection;
        norm = registerModule("norm", new GroupNorm(groups, inChannels, 1e-6));
        projIn = registerModule("proj_in", useLinearProjection ? new Linear(inChannels, innerDim) : new Conv2d(inChannels, innerDim, 1, 1, 0));
        blocks = registerModule("transformer_blocks", new ModuleList<>());
        for (int i = 0; i < numLayers; i++)
            blocks.add(new BasicTransformerBlock(innerDim, heads, headDim, crossAttentionDim, onlyCrossAttention));
        projOut = registerModule("proj_out", useLinearProjection ? new Linear(innerDim, inChannels) : new Conv2d(innerDim, inChannels, 1, 1, 0));
    }

    /** @param x [B, C, H, W]; @param context [B, Lc, crossAttentionDim] */
    public Var forward(Var x, Var context) {
        int b = x.dim(0), h = x.dim(2), w = x.dim(3);
        Var hs = norm.forward(x);
        if (!linearProjection) hs = projIn.forward(hs);
        int c = hs.dim(1);
        hs = F.reshape(F.permute(hs, 0, 2, 3, 1), b, h * w, c);
        if (linearProjection) hs = projIn.forward(hs);
        for (BasicTransformerBlock blk : blocks) hs = blk.forward(hs, context);
        if (linearProjection) hs = projOut.forward(hs);
        int c2 = hs.dim(2);
        hs = F.permute(F.reshape(hs, b, h, w, c2), 0, 3, 1, 2);
        if (!linearProjection) hs = projOut.forward(hs);
        return F.add(hs, x);
    }
}
