package dev.unitune.model.clip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.model.unet.ConfigJson;

/**
 * The options of a transformers {@code CLIPTextModel} config.json (CLIPTextConfig). A full CLIPConfig
 * (with a "text_config" section) is also accepted and its text part used.
 *
 * <p>{@code eosTokenId} selects how the pooled output finds the end of the text: legacy configs (SD 1.x/2.x's,
 * eos_token_id == 2) take argmax(input_ids) because EOS is the largest id of the CLIP vocabulary; newer
 * configs take the first position equal to eos_token_id.
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct,
                             double layerNormEps, int bosTokenId, int eosTokenId, int padTokenId) {

    public static ClipTextConfig fromJson(JsonNode json) {
        if (json != null && json.has("text_config") && json.get("text_config").isObject()) json = json.get("text_config");
        ConfigJson c = new ConfigJson(json, "CLIPTextModel config");
        int hidden = c.getInt("hidden_size", 512);
        int heads = c.getInt("num_attention_heads", 8);
        if (heads <= 0 || hidden % heads != 0)
            throw new IllegalArgumentException("CLIPTextModel config: hidden_size " + hidden + " is not divisible into " + heads + " heads");
        String act = c.getString("hidden_act", "quick_gelu");
        if (!act.equals("quick_gelu") && !act.equals("gelu") && !act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh"))
            throw new IllegalArgumentException("CLIPTextModel config: hidden_act '" + act + "' is not supported (quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)");
        return new ClipTextConfig(c.getInt("vocab_size", 49408), hidden, c.getInt("intermediate_size", 2048),
                c.getInt("num_hidden_layers", 12), heads, c.getInt("max_position_embeddings", 77), act,
                c.getDouble("layer_norm_eps", 1e-5), c.getInt("bos_token_id", 49406), c.getInt("eos_token_id", 49407),
                c.getInt("pad_token_id", 1));
    }

    public int headDim() { return hiddenSize / numAttentionHeads; }
}
