package dev.unitune.model.clip;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Embedding;
import dev.unitune.autograd.nn.LayerNorm;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * transformers CLIPTextModel (the SD text encoder), built from its config.json; parameter names equal the
 * transformers state-dict keys ({@code text_model.embeddings.token_embedding.weight},
 * {@code text_model.encoder.layers.0.self_attn.q_proj.weight}, {@code text_model.final_layer_norm.weight}).
 *
 * <p>token + position embeddings -> pre-LN transformer layers with a causal mask -> final LayerNorm. An
 * optional attention mask (1 = token, 0 = padding) additionally hides padding keys. The reference adds the
 * dtype's most negative finite value where we add -inf; both give exactly zero weight after softmax in float32
 * as long as a query sees at least one key, which the causal mask guarantees (every query sees position 0).
 */
public class ClipTextModel extends Module {
    public final ClipTextConfig config;
    private final TextTransformer textModel;

    public ClipTextModel(ClipTextConfig config) {
        this.config = config;
        textModel = registerModule("text_model", new TextTransformer(config));
    }

    /** @param inputIds [B, L] integer ids; @param attentionMask [B, L] (nonzero = attend) or null */
    public ClipTextOutput forward(Tensor inputIds, Tensor attentionMask) {
        if (inputIds.rank() != 2)
            throw new IllegalArgumentException("CLIP text model expects input_ids [B, L], got " + Arrays.toString(inputIds.shape()));
        int b = inputIds.dim(0), len = inputIds.dim(1);
        if (len > config.maxPositionEmbeddings())
            throw new IllegalArgumentException("CLIP text model: sequence of " + len + " tokens exceeds max_position_embeddings " + config.maxPositionEmbeddings());
        long[] ids = idsOnHost(inputIds);
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= config.vocabSize())
                throw new IllegalArgumentException("CLIP text model: token id " + ids[i] + " at position " + (i % len) + " of sequence "
                        + (i / len) + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        Tensor mask = attentionMask == null ? null : paddingMask(attentionMask, b, len, textModel.dtype());
        return textModel.forward(inputIds, ids, b, len, mask);
    }

    /** The final LayerNorm alone (diffusers' clip_skip applies it to an earlier hidden state). */
    public Var finalLayerNorm(Var hidden) { return textModel.finalLayerNorm.forward(hidden); }

    /** See {@link #eosPositions(long[], int, int, int)}, with this model's eos_token_id. */
    public int[] eosPositions(long[] ids, int b, int len) { return eosPositions(ids, b, len, config.eosTokenId()); }

    /**
     * Where each sequence's pooled output is read: legacy configs (eos_token_id == 2, as SD 1.x/2.x ship) use the
     * position of the largest id (EOS is the largest CLIP id; first one on ties, like argmax); others the first
     * position equal to eos_token_id (position 0 if it never occurs, as argmax over an all-false row gives).
     */
    public static int[] eosPositions(long[] ids, int b, int len, int eosTokenId) {
        int[] pos = new int[b];
        for (int s = 0; s < b; s++) {
            int best = 0;
            for (int i = 0; i < len; i++) {
                long v = ids[s * len + i];
                if (eosTokenId == 2) {
                    if (v > ids[s * len + best]) best = i;
                } else if (v == eosTokenId) {
                    best = i;
                    break;
                }
            }
            pos[s] = best;
        }
        return pos;
    }

    private static long[] idsOnHost(Tensor inputIds) {
        if (inputIds.dtype().isFloating())
            throw new IllegalArgumentException("CLIP input_ids must be integers, got " + inputIds.dtype().id());
        double[] d = inputIds.toDoubleArray();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (long) d[i];
        return out;
    }

    private static Tensor paddingMask(Tensor attentionMask, int b, int len, DType dtype) {
        if (!Arrays.equals(attentionMask.shape(), new int[]{b, len}))
            throw new IllegalArgumentException("CLIP attention_mask " + Arrays.toString(attentionMask.shape()) + " does not match input_ids [" + b + ", " + len + "]");
        double[] m = attentionMask.toDoubleArray();
        float[] add = new float[m.length];
        for (int i = 0; i < m.length; i++) add[i] = m[i] != 0 ? 0f : Float.NEGATIVE_INFINITY;
        return attentionMask.backend().fromHost(add, DType.F32, b, 1, 1, len).to(dtype);
    }

    /** CLIPTextTransformer: the "text_model" submodule. */
    static class TextTransformer extends Module {
        final Embeddings embeddings;
        final Encoder encoder;
        final LayerNorm finalLayerNorm;
        private final int eosTokenId;

        TextTransformer(ClipTextConfig c) {
            embeddings = registerModule("embeddings", new Embeddings(c));
            encoder = registerModule("encoder", new Encoder(c));
            finalLayerNorm = registerModule("final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
            eosTokenId = c.eosTokenId();
        }

        DType dtype() { return embeddings.tokenEmbedding.weight().dtype(); }

        ClipTextOutput forward(Tensor inputIds, long[] ids, int b, int len, Tensor mask) {
            Var h = embeddings.forward(inputIds, len);
            List<Var> hidden = new ArrayList<>();
            hidden.add(h);
            for (ClipEncoderLayer layer : encoder.layers) {
                h = layer.forward(h, mask);
                hidden.add(h);
            }
            Var last = finalLayerNorm.forward(h);
            return new ClipTextOutput(last, List.copyOf(hidden), pool(last, ids, b, len));
        }

        /** last_hidden_state gathered at each sequence's EOS position: [B, D]. */
        private Var pool(Var last, long[] ids, int b, int len) {
            int[] pos = eosPositions(ids, b, len, eosTokenId);
            long[] rows = new long[b];
            for (int s = 0; s < b; s++) rows[s] = (long) s * len + pos[s];
            Tensor index = last.backend().fromHost(rows, DType.I64, b);
            return F.indexSelect(F.reshape(last, b * len, last.dim(2)), 0, index);
        }
    }

    /** CLIPTextEmbeddings: token_embedding(ids) + position_embedding(0..L-1). */
    static class Embeddings extends Module {
        final Embedding tokenEmbedding, positionEmbedding;

        Embeddings(ClipTextConfig c) {
            tokenEmbedding = registerModule("token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
            positionEmbedding = registerModule("position_embedding", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
        }

        Var forward(Tensor inputIds, int len) {
            Tensor positions = inputIds.backend().arange(DType.I64, 0, 1, len);
            return F.add(tokenEmbedding.forward(inputIds), positionEmbedding.forward(positions));
        }
    }

    /** CLIPEncoder: the "layers" list. */
    static class Encoder extends Module {
        final ModuleList<ClipEncoderLayer> layers;

        Encoder(ClipTextConfig c) {
            layers = registerModule("layers", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new ClipEncoderLayer(c));
        }
    }
}
