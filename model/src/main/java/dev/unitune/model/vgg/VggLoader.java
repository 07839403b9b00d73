package dev.unitune.model.vgg;

import dev.unitune.autograd.Generator;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads torchvision VGG weights (vgg16-397923af.pth, vgg19-dcbb9e9d.pth, or any safetensors with the same
 * keys) into a {@link VggFeatures} built for the requested taps: only features.N.* up to the deepest tap
 * are read; the classifier and later layers are ignored.
 */
public final class VggLoader {
    private VggLoader() {}

    /** Loads from any weights file WeightSources can open (torchvision .pth, safetensors). */
    public static VggFeatures load(Path weights, VggConfig config, Collection<String> taps, Backend backend) {
        VggFeatures vgg = uninitialised(config, taps, backend);
        try (WeightSource src = WeightSources.open(weights)) {
            return loadInto(vgg, src::contains, name -> src.load(name, backend), weights.toString());
        }
    }

    /** The stack for these taps with zero parameters on the backend, to be filled by a load. */
    public static VggFeatures uninitialised(VggConfig config, Collection<String> taps, Backend backend) {
        try (InitContext ctx = InitContext.open(backend, DType.F32, new Generator(0), false)) {
            return VggFeatures.forTaps(config, taps);
        }
    }

    /** Fills a built stack from a name lookup (a file, a golden case's weights.*). */
    public static VggFeatures loadInto(VggFeatures vgg, java.util.function.Predicate<String> has,
                                       java.util.function.Function<String, Tensor> load, String what) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : vgg.namedParameters().keySet()) {
            if (!has.test(name))
                throw new IllegalArgumentException(what + ": no tensor '" + name + "' (expected torchvision VGG keys features.N.weight/bias)");
            state.put(name, load.apply(name));
        }
        vgg.loadStateDict(state, true);
        return vgg;
    }
}
