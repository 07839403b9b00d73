package dev.unitune.model.vae;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.model.unet.ConfigJson;

import java.util.List;

/**
 * The options of a diffusers {@code AutoencoderKL} config.json (the SD VAE layout). The encoder and decoder
 * always use GroupNorm eps 1e-6 (hard-wired in diffusers' Encoder/Decoder, not a config value).
 * {@code scalingFactor} is only used by pipelines: UNet latents = posterior sample * scalingFactor.
 */
public record VaeConfig(int inChannels, int outChannels, int latentChannels, int[] blockOutChannels,
                        int layersPerBlock, int normNumGroups, String actFn, double scalingFactor,
                        boolean midBlockAddAttention, int sampleSize) {

    public static VaeConfig fromJson(JsonNode json) {
        ConfigJson c = new ConfigJson(json, "AutoencoderKL config");
        List<String> down = c.stringList("down_block_types", List.of("DownEncoderBlock2D"));
        List<String> up = c.stringList("up_block_types", List.of("UpDecoderBlock2D"));
        for (String t : down)
            if (!t.equals("DownEncoderBlock2D"))
                throw new IllegalArgumentException("AutoencoderKL config: down block type '" + t + "' is not supported");
        for (String t : up)
            if (!t.equals("UpDecoderBlock2D"))
                throw new IllegalArgumentException("AutoencoderKL config: up block type '" + t + "' is not supported");
        int[] boc = c.intList("block_out_channels", down.size(), 64);
        if (up.size() != boc.length)
            throw new IllegalArgumentException("AutoencoderKL config: " + boc.length + " block_out_channels but " + up.size() + " up blocks");
        c.requireAbsentOr("use_quant_conv", true);
        c.requireAbsentOr("use_post_quant_conv", true);
        int groups = c.getInt("norm_num_groups", 32);
        for (int ch : boc)
            if (ch % groups != 0)
                throw new IllegalArgumentException("AutoencoderKL config: " + ch + " channels not divisible into norm_num_groups " + groups);
        return new VaeConfig(c.getInt("in_channels", 3), c.getInt("out_channels", 3), c.getInt("latent_channels", 4), boc,
                c.getInt("layers_per_block", 1), groups, c.getString("act_fn", "silu"), c.getDouble("scaling_factor", 0.18215),
                c.getBool("mid_block_add_attention", true), c.getInt("sample_size", 32));
    }

    /** Spatial reduction factor of the encoder: 2^(blocks-1). */
    public int downscale() { return 1 << (blockOutChannels.length - 1); }
}
