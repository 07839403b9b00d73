package dev.unitune.model.golden.runners;

import dev.unitune.autograd.NoGrad;
import dev.unitune.model.clip.ClipTextConfig;
import dev.unitune.model.clip.ClipTextModel;
import dev.unitune.model.clip.ClipTextOutput;
import dev.unitune.model.golden.GoldenCase;
import dev.unitune.model.golden.GoldenRunner;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Golden kind {@code clip_text}: CLIPTextModel on input.input_ids without a mask (as SD pipelines call it):
 * last_hidden_state, every hidden_states.k, the penultimate state raw and with the final LayerNorm ("clip
 * skip"), the pooled output; and last_hidden_state_masked with input.attention_mask.
 */
public final class ClipTextGoldenRunner implements GoldenRunner {
    @Override
    public Set<String> kinds() { return Set.of("clip_text"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        ClipTextConfig config = ClipTextConfig.fromJson(golden.config());
        ClipTextModel clip = RunnerSupport.build(backend, () -> new ClipTextModel(config));
        RunnerSupport.loadStrict(clip, golden, backend);
        clip.eval();

        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGrad ng = NoGrad.enter()) {
            Tensor ids = golden.tensor("input.input_ids", backend);
            ClipTextOutput o = clip.forward(ids, null);
            RunnerSupport.put(out, golden, "last_hidden_state", o.lastHiddenState().tensor());
            for (int k = 0; k < o.hiddenStates().size(); k++)
                RunnerSupport.put(out, golden, "hidden_states." + k, o.hiddenStates().get(k).tensor());
            if (o.hiddenStates().size() >= 2) {
                RunnerSupport.put(out, golden, "penultimate_hidden_state", o.hiddenStateFromEnd(2).tensor());
                RunnerSupport.put(out, golden, "penultimate_hidden_state_final_ln", clip.finalLayerNorm(o.hiddenStateFromEnd(2)).tensor());
            }
            RunnerSupport.put(out, golden, "pooled_output", o.pooledOutput().tensor());
            if (golden.has("input.attention_mask"))
                RunnerSupport.put(out, golden, "last_hidden_state_masked",
                        clip.forward(ids, golden.tensor("input.attention_mask", backend)).lastHiddenState().tensor());
        }
        return out;
    }
}
