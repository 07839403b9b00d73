package dev.unitune.model.vae;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Tensor;

/**
 * The VAE posterior, a diagonal Gaussian (diffusers DiagonalGaussianDistribution): mean and log-variance are
 * the two channel halves of quant_conv(encoder(x)); log-variance is clamped to [-30, 20] so exp stays finite.
 */
public record LatentDistribution(Var mean, Var logvar) {
    public static final double LOGVAR_MIN = -30, LOGVAR_MAX = 20;

    /** Splits moments [B, 2C, h, w] into mean and clamped log-variance. */
    public static LatentDistribution fromMoments(Var moments) {
        int c2 = moments.dim(1);
        if (c2 % 2 != 0) throw new IllegalArgumentException("VAE moments need an even channel count, got " + c2);
        var halves = F.chunk(moments, 2, 1);
        return new LatentDistribution(halves.get(0), F.clamp(halves.get(1), LOGVAR_MIN, LOGVAR_MAX));
    }

    public Var std() { return F.exp(F.mul(logvar, 0.5)); }

    /** mean + std * noise, with noise ~ N(0, 1) of the mean's shape supplied by the caller (Philox or a file). */
    public Var sample(Tensor noise) {
        if (!mean.tensor().sameShape(noise))
            throw new IllegalArgumentException("VAE posterior sample: noise " + java.util.Arrays.toString(noise.shape())
                    + " does not match the latent " + java.util.Arrays.toString(mean.shape()));
        return F.add(mean, F.mul(std(), Var.constant(noise)));
    }

    /** The most likely latent (what img2img pipelines often use): the mean. */
    public Var mode() { return mean; }
}
