package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.LayerNorm;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.MultiHeadAttention;

/**
 * diffusers BasicTransformerBlock (norm_type "layer_norm", GEGLU feed-forward), pre-norm with residuals:
 * x += attn1(norm1(x)) (self-attention, or cross-attention when only_cross_attention);
 * x += attn2(norm2(x), context) (cross-attention on the text embedding); x += ff(norm3(x)).
 * LayerNorm eps 1e-5. {@code upcast_attention} (SD 2.x) only changes the dtype of the score computation in
 * the reference; our attention accumulates in float32 for every storage dtype, so it needs no extra step.
 */
public class BasicTransformerBlock extends Module {
    private final LayerNorm norm1, norm2, norm3;
    private final MultiHeadAttention attn1, attn2;
    private final GegluFeedForward ff;
    private final boolean onlyCrossAttention;

    public BasicTransformerBlock(int dim, int heads, int headDim, int crossAttentionDim, boolean onlyCrossAttention) {
        this.onlyCrossAttention = onlyCrossAttention;
        norm1 = registerModule("norm1", new LayerNorm(dim, 1e-5));
        attn1 = registerModule("attn1", new MultiHeadAttention(dim, onlyCrossAttention ? crossAttentionDim : dim, heads, headDim,
                false, MultiHeadAttention.Naming.DIFFUSERS));
        norm2 = registerModule("norm2", new LayerNorm(dim, 1e-5));
        attn2 = registerModule("attn2", new MultiHeadAttention(dim, crossAttentionDim, heads, headDim,
                false, MultiHeadAttention.Naming.DIFFUSERS));
        norm3 = registerModule("norm3", new LayerNorm(dim, 1e-5));
        ff = registerModule("ff", new GegluFeedForward(dim, dim * 4));
    }

    /** @param x [B, L, dim]; @param context [B, Lc, crossAttentionDim] */
    public Var forward(Var x, Var context) {
        x = F.add(attn1.forward(norm1.forward(x), onlyCrossAttention ? context : null, null, false), x);
        x = F.add(attn2.forward(norm2.forward(x), context, null, false), x);
        return F.add(ff.forward(norm3.forward(x)), x);
    }
}
