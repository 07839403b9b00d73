package dev.unitune.model.sd;

import dev.unitune.autograd.nn.Module;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.WeightSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads one network's parameters from a weight source by name. Names in the source may carry a component
 * prefix ("unet.", as a whole diffusers folder opened with WeightSources has); tensors arrive in the model's
 * dtype whatever the file stores (fp16 files load into f32 models and back). Keys the reference saves but our
 * modules do not hold (e.g. {@code text_model.embeddings.position_ids}, a constant 0..76 buffer older
 * transformers versions wrote) are skipped; any other missing, unexpected or wrongly shaped key is an error
 * that names the component.
 */
final class ComponentWeights {
    /** Buffers the reference checkpoints may contain that carry no learned state. */
    static final Set<String> IGNORED = Set.of("text_model.embeddings.position_ids");

    private ComponentWeights() {}

    static void load(Module model, WeightSource source, String prefix, String component, Backend backend, DType dtype) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        List<String> names = source.names();
        for (String full : names) {
            if (!full.startsWith(prefix)) continue;
            String name = full.substring(prefix.length());
            if (IGNORED.contains(name)) continue;
            state.put(name, source.loadAs(full, backend, dtype));
        }
        if (state.isEmpty())
            throw new IllegalArgumentException(source.path() + ": no " + component + " weights" + (prefix.isEmpty() ? "" : " (no tensor named " + prefix + "*)"));
        try {
            model.loadStateDict(state, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": " + component + ": " + e.getMessage(), e);
        }
    }
}
