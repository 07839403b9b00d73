package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One golden file: its metadata (kind, parsed config, notes, recommended tolerances) and lazy access to
 * its tensors by full name ("weights.conv_in.weight", "input.sample", "output.sample").
 */
public interface GoldenCase {
    Path path();

    String kind();

    /** `__metadata__.config` parsed as JSON. */
    JsonNode config();

    Map<String, String> metadata();

    /** All tensor names in the file. */
    List<String> names();

    /** Names under a prefix with the prefix removed, e.g. weightNames("weights.") -> "conv_in.weight". */
    List<String> namesUnder(String prefix);

    boolean has(String fullName);

    /** Materialises a tensor on the backend (F32 stays F32, I64 stays I64). */
    Tensor tensor(String fullName, Backend backend);

    /** Every "weights.*" tensor with the prefix removed: a state dict for Module.loadStateDict. */
    Map<String, Tensor> weights(Backend backend);
}
