package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;

/** torch.nn.GroupNorm: weight (ones) and bias (zeros) of [channels] when affine. */
public class GroupNorm extends Module {
    public final int groups, channels;
    public final double eps;
    private final Parameter weight, bias;

    public GroupNorm(int groups, int channels, double eps) { this(groups, channels, eps, true); }

    public GroupNorm(int groups, int channels, double eps, boolean affine) {
        if (groups < 1 || channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible into " + groups + " groups");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        weight = affine ? registerParameter("weight", Init.ones(channels)) : null;
        bias = affine ? registerParameter("bias", Init.zeros(channels)) : null;
    }

    @Override
    public Var forward(Var x) {
        if (x.rank() < 2 || x.dim(1) != channels)
            throw new IllegalArgumentException("GroupNorm(" + channels + " channels) given input " + java.util.Arrays.toString(x.shape()));
        return F.groupNorm(x, groups, weight, bias, eps);
    }
}
