package dev.unitune.model.clip;

import dev.unitune.autograd.Var;

import java.util.List;

/**
 * What CLIPTextModel returns: the final-LayerNorm'ed last layer [B, L, D], every hidden state (index 0 = the
 * embeddings, index i = output of layer i, none with the final LayerNorm), and the pooled output [B, D]
 * (last_hidden_state at each sequence's end-of-text position).
 */
public record ClipTextOutput(Var lastHiddenState, List<Var> hiddenStates, Var pooledOutput) {
    /** hidden_states[-k] (k = 1 is the last layer's raw output, k = 2 the penultimate: SD 2.x / "clip skip 2"). */
    public Var hiddenStateFromEnd(int k) {
        if (k < 1 || k > hiddenStates.size())
            throw new IllegalArgumentException("hidden state -" + k + " of " + hiddenStates.size());
        return hiddenStates.get(hiddenStates.size() - k);
    }
}
