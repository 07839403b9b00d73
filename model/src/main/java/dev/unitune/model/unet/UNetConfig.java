package dev.unitune.model.unet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of a diffusers {@code UNet2DConditionModel} config.json that this implementation supports
 * (SD 1.x, SD 2.x and same-family small models). Per-block values are already broadcast to one entry per
 * down block. Options we do not implement (class/addition embeddings, ada-norm, dual cross-attention, ...)
 * are refused by name rather than silently ignored.
 *
 * <p>Head counts follow diffusers' historic naming: when {@code num_attention_heads} is null,
 * {@code attention_head_dim} is the NUMBER of heads per block (SD 1.x: 8; SD 2.x: [5, 10, 20, 20]); the head
 * size is the block's channel count divided by it.
 */
public record UNetConfig(
        int inChannels, int outChannels, boolean centerInputSample, boolean flipSinToCos, double freqShift,
        List<String> downBlockTypes, String midBlockType, List<String> upBlockTypes,
        int[] blockOutChannels, int[] layersPerBlock, int[] transformerLayersPerBlock,
        int downsamplePadding, double midBlockScaleFactor, String actFn, int normNumGroups, double normEps,
        int[] crossAttentionDim, int[] numAttentionHeads, boolean[] onlyCrossAttention,
        boolean useLinearProjection, boolean upcastAttention, int convInKernel, int convOutKernel,
        double resnetOutScaleFactor, int timeEmbeddingDim) {

    public static UNetConfig fromJson(JsonNode json) {
        ConfigJson c = new ConfigJson(json, "UNet2DConditionModel config");
        List<String> down = c.stringList("down_block_types",
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = c.stringList("up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        int n = down.size();
        if (up.size() != n)
            throw new IllegalArgumentException("UNet2DConditionModel config: " + n + " down blocks but " + up.size() + " up blocks");
        for (String t : down)
            if (!t.equals("CrossAttnDownBlock2D") && !t.equals("DownBlock2D"))
                throw new IllegalArgumentException("UNet2DConditionModel config: down block type '" + t + "' is not supported");
        for (String t : up)
            if (!t.equals("CrossAttnUpBlock2D") && !t.equals("UpBlock2D"))
                throw new IllegalArgumentException("UNet2DConditionModel config: up block type '" + t + "' is not supported");
        if (c.node().has("mid_block_type") && c.node().get("mid_block_type").isNull())
            throw new IllegalArgumentException("UNet2DConditionModel config: mid_block_type null (no mid block) is not supported");
        String mid = c.getString("mid_block_type", "UNetMidBlock2DCrossAttn");
        if (!mid.equals("UNetMidBlock2DCrossAttn"))
            throw new IllegalArgumentException("UNet2DConditionModel config: mid_block_type '" + mid + "' is not supported");

        // Features outside the SD 1.x / 2.x family: refuse them by name.
        c.requireAbsentOr("class_embed_type", null);
        c.requireAbsentOr("num_class_embeds", null);
        c.requireAbsentOr("addition_embed_type", null);
        c.requireAbsentOr("encoder_hid_dim", null);
        c.requireAbsentOr("encoder_hid_dim_type", null);
        c.requireAbsentOr("time_cond_proj_dim", null);
        c.requireAbsentOr("timestep_post_act", null);
        c.requireAbsentOr("time_embedding_act_fn", null);
        c.requireAbsentOr("cross_attention_norm", null);
        c.requireAbsentOr("reverse_transformer_layers_per_block", null);
        c.requireAbsentOr("dual_cross_attention", false);
        c.requireAbsentOr("resnet_skip_time_act", false);
        c.requireAbsentOr("resnet_time_scale_shift", "default");
        c.requireAbsentOr("time_embedding_type", "positional");
        c.requireAbsentOr("attention_type", "default");
        c.requireAbsentOr("class_embeddings_concat", false);
        c.requireAbsentOr("mid_block_only_cross_attention", null);
        c.requireAbsentOr("dropout", 0.0); // SD trains without dropout; we do not implement it in the blocks

        int[] boc = c.intList("block_out_channels", n, null);
        int[] heads = c.isNull("num_attention_heads") ? c.intList("attention_head_dim", n, 8) : c.intList("num_attention_heads", n, null);
        int[] cross = c.intList("cross_attention_dim", n, 1280);
        int[] lpb = c.intList("layers_per_block", n, 2);
        int[] tlpb = c.intList("transformer_layers_per_block", n, 1);
        for (int i = 0; i < n; i++) {
            if (boc[i] <= 0) throw new IllegalArgumentException("UNet2DConditionModel config: block_out_channels[" + i + "] = " + boc[i]);
            boolean hasAttn = down.get(i).startsWith("CrossAttn") || up.get(n - 1 - i).startsWith("CrossAttn") || i == n - 1;
            if (hasAttn && (heads[i] <= 0 || boc[i] % heads[i] != 0))
                throw new IllegalArgumentException("UNet2DConditionModel config: block " + i + " has " + boc[i]
                        + " channels, not divisible into " + heads[i] + " attention heads");
        }
        int groups = c.getInt("norm_num_groups", 32);
        for (int ch : boc)
            if (ch % groups != 0)
                throw new IllegalArgumentException("UNet2DConditionModel config: " + ch + " channels not divisible into norm_num_groups " + groups);
        int timeDim = c.getInt("time_embedding_dim", boc[0] * 4);
        return new UNetConfig(
                c.getInt("in_channels", 4), c.getInt("out_channels", 4), c.getBool("center_input_sample", false),
                c.getBool("flip_sin_to_cos", true), c.getDouble("freq_shift", 0),
                List.copyOf(down), mid, List.copyOf(up), boc, lpb, tlpb,
                c.getInt("downsample_padding", 1), c.getDouble("mid_block_scale_factor", 1), c.getString("act_fn", "silu"),
                groups, c.getDouble("norm_eps", 1e-5), cross, heads, c.boolList("only_cross_attention", n, false),
                c.getBool("use_linear_projection", false), c.getBool("upcast_attention", false),
                c.getInt("conv_in_kernel", 3), c.getInt("conv_out_kernel", 3),
                c.getDouble("resnet_out_scale_factor", 1.0), timeDim);
    }

    public static UNetConfig fromFile(Path configJson) throws IOException {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new IOException(configJson + ": cannot read UNet config: " + e.getMessage(), e);
        }
        try {
            return fromJson(node);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    public int numBlocks() { return blockOutChannels.length; }
}
