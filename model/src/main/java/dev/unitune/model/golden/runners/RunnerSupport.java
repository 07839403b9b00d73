package dev.unitune.model.golden.runners;

import dev.unitune.autograd.nn.InitContext;
import dev.unitune.autograd.nn.Module;
import dev.unitune.model.golden.GoldenCase;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.util.Map;
import java.util.function.Supplier;

/** What the network runners share: building a model without random init, strict loading, output filtering. */
final class RunnerSupport {
    private RunnerSupport() {}

    /** Builds a model on the backend with parameters left as zeros (they are overwritten by the file's weights). */
    static <M extends Module> M build(Backend backend, Supplier<M> factory) {
        try (InitContext c = InitContext.open(backend, DType.F32, null, false)) {
            return factory.get();
        }
    }

    /** Loads every "weights.*" tensor by name; any missing, unexpected or wrongly shaped key fails the run. */
    static void loadStrict(Module model, GoldenCase golden, Backend backend) {
        model.loadStateDict(golden.weights(backend), true);
    }

    /** Records an output only if the golden file has it, so runners never report outputs the file lacks. */
    static void put(Map<String, Tensor> out, GoldenCase golden, String name, Tensor value) {
        if (golden.has("output." + name)) out.put(name, value);
    }
}
