package dev.unitune.weights.sd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.weights.WeightsFormatException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The config.json files of a converted SD checkpoint. Sizes come from the tensor shapes; what the
 * weights cannot tell (activation, head layout, prediction type) follows the SD 1.x / 2.x reference
 * configs. SD 2.x is assumed to be the 768-v model (v_prediction, 96x96 latents); change
 * scheduler_config.json for the 512 "base" model.
 */
final class SdConfigs {
    private SdConfigs() {}

    private static final ObjectMapper M = new ObjectMapper();

    static Map<String, ObjectNode> derive(SdCheckpointConverter.Plan plan) {
        boolean sd2 = plan.version().equals("sd2");
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        out.put("unet", unet(plan, sd2));
        if (!plan.components().get("vae").isEmpty()) out.put("vae", vae(plan, sd2));
        if (!plan.components().get("text_encoder").isEmpty()) out.put("text_encoder", text(plan, sd2));
        out.put("scheduler", scheduler(sd2));
        out.put("model_index", modelIndex(plan));
        return out;
    }

    private static long dim(SdCheckpointConverter.Plan plan, String comp, String name, int axis) {
        SdCheckpointConverter.Planned p = plan.find(comp, name);
        if (p == null) throw new WeightsFormatException("converted " + comp + " lacks '" + name + "' needed for its config");
        return p.shape()[axis];
    }

    private static boolean has(SdCheckpointConverter.Plan plan, String comp, String name) { return plan.find(comp, name) != null; }

    private static ObjectNode unet(SdCheckpointConverter.Plan plan, boolean sd2) {
        ObjectNode c = M.createObjectNode();
        c.put("_class_name", "UNet2DConditionModel");
        c.put("_diffusers_version", "0.25.1");
        c.put("act_fn", "silu");
        ArrayNode blocks = M.createArrayNode(), heads = M.createArrayNode(), down = M.createArrayNode(), up = M.createArrayNode();
        int n = 0;
        while (has(plan, "unet", "down_blocks." + n + ".resnets.0.conv1.weight")) {
            long ch = dim(plan, "unet", "down_blocks." + n + ".resnets.0.conv1.weight", 0);
            blocks.add(ch);
            heads.add(ch / 64); // SD 2.x: 64-wide heads
            down.add(has(plan, "unet", "down_blocks." + n + ".attentions.0.proj_in.weight") ? "CrossAttnDownBlock2D" : "DownBlock2D");
            up.add(has(plan, "unet", "up_blocks." + n + ".attentions.0.proj_in.weight") ? "CrossAttnUpBlock2D" : "UpBlock2D");
            n++;
        }
        int layers = 0;
        while (has(plan, "unet", "down_blocks.0.resnets." + layers + ".conv1.weight")) layers++;
        if (sd2) c.set("attention_head_dim", heads); else c.put("attention_head_dim", 8); // SD 1.x: 8 heads everywhere
        c.set("block_out_channels", blocks);
        c.put("center_input_sample", false);
        c.put("cross_attention_dim", dim(plan, "unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", 1));
        c.set("down_block_types", down);
        c.put("downsample_padding", 1);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", dim(plan, "unet", "conv_in.weight", 1));
        c.put("layers_per_block", layers);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 32);
        c.put("out_channels", dim(plan, "unet", "conv_out.weight", 0));
        c.put("sample_size", sd2 ? 96 : 64);
        c.set("up_block_types", up);
        c.put("upcast_attention", sd2);
        c.put("use_linear_projection", plan.find("unet", "down_blocks.0.attentions.0.proj_in.weight").shape().length == 2);
        return c;
    }

    private static ObjectNode vae(SdCheckpointConverter.Plan plan, boolean sd2) {
        ObjectNode c = M.createObjectNode();
        c.put("_class_name", "AutoencoderKL");
        c.put("_diffusers_version", "0.25.1");
        c.put("act_fn", "silu");
        ArrayNode blocks = M.createArrayNode(), down = M.createArrayNode(), up = M.createArrayNode();
        int n = 0;
        while (has(plan, "vae", "encoder.down_blocks." + n + ".resnets.0.conv1.weight")) {
            blocks.add(dim(plan, "vae", "encoder.down_blocks." + n + ".resnets.0.conv1.weight", 0));
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
            n++;
        }
        int layers = 0;
        while (has(plan, "vae", "encoder.down_blocks.0.resnets." + layers + ".conv1.weight")) layers++;
        c.set("block_out_channels", blocks);
        c.set("down_block_types", down);
        c.put("in_channels", dim(plan, "vae", "encoder.conv_in.weight", 1));
        c.put("latent_channels", dim(plan, "vae", "post_quant_conv.weight", 0));
        c.put("layers_per_block", layers);
        c.put("norm_num_groups", 32);
        c.put("out_channels", dim(plan, "vae", "decoder.conv_out.weight", 0));
        c.put("sample_size", sd2 ? 768 : 512);
        c.put("scaling_factor", 0.18215);
        c.set("up_block_types", up);
        return c;
    }

    private static ObjectNode text(SdCheckpointConverter.Plan plan, boolean sd2) {
        ObjectNode c = M.createObjectNode();
        c.set("architectures", M.createArrayNode().add("CLIPTextModel"));
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 2); // legacy value SD's configs carry (pooled output then uses argmax of the ids)
        c.put("pad_token_id", 1);
        long hidden = dim(plan, "text_encoder", "text_model.embeddings.token_embedding.weight", 1);
        int layers = 0;
        while (has(plan, "text_encoder", "text_model.encoder.layers." + layers + ".mlp.fc1.weight")) layers++;
        c.put("hidden_act", sd2 ? "gelu" : "quick_gelu");
        c.put("hidden_size", hidden);
        c.put("initializer_factor", 1.0);
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", dim(plan, "text_encoder", "text_model.encoder.layers.0.mlp.fc1.weight", 0));
        c.put("layer_norm_eps", 1e-5);
        c.put("max_position_embeddings", dim(plan, "text_encoder", "text_model.embeddings.position_embedding.weight", 0));
        c.put("model_type", "clip_text_model");
        c.put("num_attention_heads", hidden / 64);
        c.put("num_hidden_layers", layers);
        c.put("projection_dim", sd2 ? 512 : 768);
        c.put("torch_dtype", "float32");
        c.put("vocab_size", dim(plan, "text_encoder", "text_model.embeddings.token_embedding.weight", 0));
        return c;
    }

    private static ObjectNode scheduler(boolean sd2) {
        ObjectNode c = M.createObjectNode();
        c.put("_class_name", "DDIMScheduler");
        c.put("_diffusers_version", "0.25.1");
        c.put("beta_end", 0.012);
        c.put("beta_schedule", "scaled_linear");
        c.put("beta_start", 0.00085);
        c.put("clip_sample", false);
        c.put("num_train_timesteps", 1000);
        c.put("prediction_type", sd2 ? "v_prediction" : "epsilon");
        c.put("set_alpha_to_one", false);
        c.put("steps_offset", 1);
        c.put("timestep_spacing", "leading");
        return c;
    }

    private static ObjectNode modelIndex(SdCheckpointConverter.Plan plan) {
        ObjectNode c = M.createObjectNode();
        c.put("_class_name", "StableDiffusionPipeline");
        c.put("_diffusers_version", "0.25.1");
        c.set("scheduler", M.createArrayNode().add("diffusers").add("DDIMScheduler"));
        if (!plan.components().get("text_encoder").isEmpty())
            c.set("text_encoder", M.createArrayNode().add("transformers").add("CLIPTextModel"));
        c.set("unet", M.createArrayNode().add("diffusers").add("UNet2DConditionModel"));
        if (!plan.components().get("vae").isEmpty())
            c.set("vae", M.createArrayNode().add("diffusers").add("AutoencoderKL"));
        return c;
    }
}
