package dev.unitune.model.vae;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.MultiHeadAttention;

/**
 * The VAE mid-block attention (diffusers Attention with {@code group_norm}, one head of the full channel
 * width, q/k/v with bias, residual connection, rescale 1): the feature map [B, C, H, W] is group-normalised,
 * read as a sequence of H*W tokens of C channels, self-attended, projected by {@code to_out.0}, and added back.
 * Keys: {@code group_norm.*, to_q.*, to_k.*, to_v.*, to_out.0.*}.
 */
public class VaeAttention extends MultiHeadAttention {
    private final GroupNorm groupNorm;

    public VaeAttention(int channels, int groups, double eps) {
        super(channels, channels, 1, channels, true, Naming.DIFFUSERS);
        groupNorm = registerModule("group_norm", new GroupNorm(groups, channels, eps));
    }

    @Override
    public Var forward(Var x) {
        int b = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        Var seq = F.transpose(F.reshape(groupNorm.forward(x), b, c, h * w), 1, 2);
        Var attended = forward(seq, null, null, false);
        Var back = F.reshape(F.transpose(attended, 1, 2), b, c, h, w);
        return F.add(back, x);
    }
}
