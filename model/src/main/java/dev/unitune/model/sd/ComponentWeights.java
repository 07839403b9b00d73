package dev.unitune.model.sd;

import dev.unitune.autograd.nn.Module;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.WeightSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads one network's parameters from a weight source by name. Names in the source may carry a component
 * prefix ("unet.", as a whole diffusers folder opened with WeightSources has); tensors arrive in the model's
 * dtype whatever the file stores (fp16 files load into f32 models and back). Keys the reference saves but our
 * modules do not hold (e.g. {@code text_model.embeddings.position_ids}, a constant 0..76 buffer older
 * transformers versions wrote) are skipped; any other missing, unexpected or wrongly shaped key is an error
 * that names the file, the component and the keys, raised from the file's index before any tensor is read.
 * Tensors are then converted and assigned in batches, so loading peaks at the model plus one batch.
 */
final class ComponentWeights {
    /** Buffers the reference checkpoints may contain that carry no learned state. */
    static final Set<String> IGNORED = Set.of("text_model.embeddings.position_ids");

    private ComponentWeights() {}

    /** Tensors converted and assigned per batch, so loading peaks at the model plus one batch, not twice the model. */
    private static final int BATCH = 32;

    static void load(Module model, WeightSource source, String prefix, String component, Backend backend, DType dtype) {
        Map<String, Tensor> mine = model.stateDict();
        // Check names and shapes from the file's index first, so a mismatch fails before anything is read.
        List<String> unexpected = new ArrayList<>(), wrong = new ArrayList<>(), toLoad = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String full : source.names()) {
            if (!full.startsWith(prefix)) continue;
            String name = full.substring(prefix.length());
            if (IGNORED.contains(name)) continue;
            Tensor target = mine.get(name);
            if (target == null) {
                unexpected.add(name);
                continue;
            }
            long[] shape = source.info(full).shape();
            if (!sameShape(shape, target.shape()))
                wrong.add(name + " (model " + Arrays.toString(target.shape()) + ", file " + Arrays.toString(shape) + ")");
            seen.add(name);
            toLoad.add(full);
        }
        if (seen.isEmpty())
            throw new IllegalArgumentException(source.path() + ": no " + component + " weights" + (prefix.isEmpty() ? "" : " (no tensor named " + prefix + "*)"));
        List<String> missing = new ArrayList<>();
        for (String k : new TreeSet<>(mine.keySet())) if (!seen.contains(k)) missing.add(k);
        List<String> problems = new ArrayList<>();
        if (!wrong.isEmpty()) problems.add("wrong shape " + summary(wrong));
        if (!missing.isEmpty()) problems.add("missing " + summary(missing));
        if (!unexpected.isEmpty()) problems.add("unexpected " + summary(unexpected));
        if (!problems.isEmpty())
            throw new IllegalArgumentException(source.path() + ": " + component + ": " + String.join("; ", problems));
        Map<String, Tensor> batch = new LinkedHashMap<>();
        for (String full : toLoad) {
            batch.put(full.substring(prefix.length()), source.loadAs(full, backend, dtype));
            if (batch.size() == BATCH) assign(model, batch, source, component);
        }
        assign(model, batch, source, component);
    }

    private static boolean sameShape(long[] file, int[] model) {
        if (file.length != model.length) return false;
        for (int i = 0; i < file.length; i++) if (file[i] != model[i]) return false;
        return true;
    }

    /** Assigns one batch (loadStateDict re-checks the shapes) and releases it. */
    private static void assign(Module model, Map<String, Tensor> batch, WeightSource source, String component) {
        if (batch.isEmpty()) return;
        try {
            model.loadStateDict(batch, false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": " + component + ": " + e.getMessage(), e);
        }
        batch.clear();
    }

    private static String summary(List<String> keys) {
        int show = Math.min(keys.size(), 8);
        return keys.size() + " key(s): " + String.join(", ", keys.subList(0, show)) + (keys.size() > show ? ", ..." : "");
    }
}
