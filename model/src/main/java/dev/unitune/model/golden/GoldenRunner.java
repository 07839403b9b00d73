package dev.unitune.model.golden;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.util.Map;

/**
 * Recomputes the outputs of one kind of golden file (the `__metadata__.kind` value: unet2d_condition,
 * autoencoder_kl, clip_text, scheduler, vgg16_features, attention, ...). Runners are found with
 * {@link java.util.ServiceLoader} (META-INF/services/dev.unitune.model.golden.GoldenRunner), so a new
 * network adds its runner without touching the checker.
 */
public interface GoldenRunner {
    /** The `__metadata__.kind` values this runner handles. */
    java.util.Set<String> kinds();

    /**
     * Builds the network from the case's config, loads its weights, runs its inputs on the backend and
     * returns outputs keyed by the name after "output." (e.g. "sample", "debug.mid_block",
     * "grad.weights.conv_in.weight"). Outputs it cannot produce are simply absent; the checker reports
     * them as SKIPPED, never as passed.
     */
    Map<String, Tensor> run(GoldenCase golden, Backend backend) throws Exception;
}
