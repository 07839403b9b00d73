package dev.unitune.model.vae;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Module;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * diffusers AutoencoderKL, the Stable Diffusion image encoder/decoder, built from its config.json with the
 * diffusers state-dict names ({@code encoder.*, decoder.*, quant_conv.*, post_quant_conv.*}).
 *
 * <p>encode: image [B, 3, H, W] in [-1, 1] -> posterior over latents [B, latent, H/f, W/f] (f = 2^(blocks-1)).
 * decode: latent -> image. Neither applies {@link #scalingFactor()}: pipelines multiply the posterior sample by
 * it before the UNet and divide by it before decoding ({@link #toUNetLatent}, {@link #fromUNetLatent}).
 */
public class AutoencoderKL extends Module {
    public final VaeConfig config;
    private final VaeEncoder encoder;
    private final VaeDecoder decoder;
    private final Conv2d quantConv, postQuantConv;

    public AutoencoderKL(VaeConfig c) {
        this.config = c;
        encoder = registerModule("encoder", new VaeEncoder(c));
        decoder = registerModule("decoder", new VaeDecoder(c));
        quantConv = registerModule("quant_conv", new Conv2d(2 * c.latentChannels(), 2 * c.latentChannels(), 1, 1, 0));
        postQuantConv = registerModule("post_quant_conv", new Conv2d(c.latentChannels(), c.latentChannels(), 1, 1, 0));
    }

    public double scalingFactor() { return config.scalingFactor(); }

    public LatentDistribution encode(Var image) { return encode(image, null); }

    /** @param tap receives encoder.* intermediate outputs and quant_conv, or null */
    public LatentDistribution encode(Var image, BiConsumer<String, Var> tap) {
        if (image.rank() != 4 || image.dim(1) != config.inChannels())
            throw new IllegalArgumentException("VAE encode expects an image [B, " + config.inChannels() + ", H, W], got " + Arrays.toString(image.shape()));
        BiConsumer<String, Var> t = tap != null ? tap : (k, v) -> {};
        Var h = encoder.forward(image, (k, v) -> t.accept("encoder." + k, v));
        Var moments = quantConv.forward(h);
        t.accept("quant_conv", moments);
        return LatentDistribution.fromMoments(moments);
    }

    public Var decode(Var latent) { return decode(latent, null); }

    /** @param tap receives post_quant_conv and decoder.* intermediate outputs, or null */
    public Var decode(Var latent, BiConsumer<String, Var> tap) {
        if (latent.rank() != 4 || latent.dim(1) != config.latentChannels())
            throw new IllegalArgumentException("VAE decode expects a latent [B, " + config.latentChannels() + ", h, w], got " + Arrays.toString(latent.shape()));
        BiConsumer<String, Var> t = tap != null ? tap : (k, v) -> {};
        Var z = postQuantConv.forward(latent);
        t.accept("post_quant_conv", z);
        return decoder.forward(z, (k, v) -> t.accept("decoder." + k, v));
    }

    /**
     * Decodes a large latent in overlapping tiles to bound memory (inference only). See {@link TiledDecode}: the
     * result equals {@link #decode} when the latent fits in one tile and differs near tile seams otherwise.
     */
    public Tensor decodeTiled(Tensor latent, int tileLatentSize, double overlapFactor) {
        return new TiledDecode(this, tileLatentSize, overlapFactor).decode(latent);
    }

    /** posterior latent -> what the UNet sees (x scaling_factor). */
    public Var toUNetLatent(Var posteriorLatent) { return F.mul(posteriorLatent, scalingFactor()); }

    /** UNet latent -> what the decoder takes (/ scaling_factor). */
    public Var fromUNetLatent(Var unetLatent) { return F.div(unetLatent, scalingFactor()); }
}
