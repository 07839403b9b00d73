package dev.unitune.model.clip;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.LayerNorm;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.MultiHeadAttention;
import dev.unitune.tensor.Tensor;

/**
 * transformers CLIPEncoderLayer, pre-LayerNorm: x += self_attn(layer_norm1(x)) with the causal mask (plus
 * the padding mask when given); x += mlp(layer_norm2(x)) where mlp = fc2(act(fc1(.))).
 */
public class ClipEncoderLayer extends Module {
    private final MultiHeadAttention selfAttn;
    private final LayerNorm layerNorm1, layerNorm2;
    private final Mlp mlp;

    public ClipEncoderLayer(ClipTextConfig c) {
        selfAttn = registerModule("self_attn", new MultiHeadAttention(c.hiddenSize(), c.hiddenSize(), c.numAttentionHeads(),
                c.headDim(), true, MultiHeadAttention.Naming.CLIP));
        layerNorm1 = registerModule("layer_norm1", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        mlp = registerModule("mlp", new Mlp(c));
        layerNorm2 = registerModule("layer_norm2", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }

    /** @param paddingMask additive [B, 1, 1, L] (-inf on padding keys) or null */
    public Var forward(Var x, Tensor paddingMask) {
        x = F.add(x, selfAttn.forward(layerNorm1.forward(x), null, paddingMask, true));
        return F.add(x, mlp.forward(layerNorm2.forward(x)));
    }

    /** CLIPMLP: fc1 -> hidden_act -> fc2. */
    public static class Mlp extends Module {
        private final Linear fc1, fc2;
        private final Activation act;

        public Mlp(ClipTextConfig c) {
            fc1 = registerModule("fc1", new Linear(c.hiddenSize(), c.intermediateSize()));
            fc2 = registerModule("fc2", new Linear(c.intermediateSize(), c.hiddenSize()));
            act = Activation.byName(c.hiddenAct());
        }

        @Override
        public Var forward(Var x) { return fc2.forward(act.forward(fc1.forward(x))); }
    }
}
