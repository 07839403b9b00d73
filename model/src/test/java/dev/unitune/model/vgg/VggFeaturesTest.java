package dev.unitune.model.vgg;

import dev.unitune.autograd.Var;
import dev.unitune.model.golden.SafetensorsGoldenCase;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VggFeaturesTest {
    private static final Path GOLDEN = Paths.get("src/test/resources/golden/vgg16_features.safetensors");

    @Test
    void tapsSitAtTorchvisionIndices() {
        Map<String, Integer> v16 = VggConfig.vgg16().taps();
        assertEquals(3, v16.get("relu1_2"));
        assertEquals(8, v16.get("relu2_2"));
        assertEquals(15, v16.get("relu3_3"));
        assertEquals(22, v16.get("relu4_3"));
        assertEquals(29, v16.get("relu5_3"));
        Map<String, Integer> v19 = VggConfig.vgg19().taps();
        assertEquals(17, v19.get("relu3_4"));
        assertEquals(26, v19.get("relu4_4"));
        assertEquals(35, v19.get("relu5_4"));
        assertEquals(List.of("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4"), VggConfig.vgg19().blockEndTaps());
        // Only the layers up to the deepest tap are built: relu2_2 needs features.0..8.
        assertEquals(9, VggFeatures.forTaps(VggConfig.vgg16(), List.of("relu1_2", "relu2_2")).depth());
        assertThrows(IllegalArgumentException.class, () -> VggFeatures.forTaps(VggConfig.vgg16(), List.of("relu3_4")));
    }

    @Test
    void imagenetNormalisationMatchesTheGoldenInput() throws Exception {
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(GOLDEN)) {
            float[] got = VggFeatures.normalize(Var.constant(g.tensor("input.image_01", Backends.cpu()))).tensor().toFloatArray();
            float[] want = g.tensor("input.image_normalized", Backends.cpu()).toFloatArray();
            // (x - m) / s in float32 with s ~ 0.22: a few float32 ulps of values up to ~2.6.
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-6);
        }
    }

    @Test
    void loadsATorchvisionPthZipIgnoringTheClassifier() {
        // weights-tools' fixture: torchvision vgg16 state-dict names with channels divided by 64, plus a
        // classifier and unrelated extra.* tensors that the loader must ignore.
        Path pth = Paths.get("src/test/resources/torch/vgg16_like.pth");
        VggConfig cfg = new VggConfig(List.of(1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M"));
        VggFeatures vgg = VggLoader.load(pth, cfg, cfg.blockEndTaps(), Backends.cpu());
        assertEquals(30, vgg.depth());
        try (var src = dev.unitune.weights.WeightSources.open(pth)) {
            for (String k : List.of("features.0.weight", "features.28.bias"))
                org.junit.jupiter.api.Assertions.assertArrayEquals(src.load(k, Backends.cpu()).toFloatArray(),
                        vgg.namedParameters().get(k).tensor().toFloatArray(), k);
        }
        Map<String, Var> acts = vgg.forward(Var.constant(Backends.cpu().uniform(dev.unitune.tensor.DType.F32, 1, 0, -1, 1, 1, 3, 32, 32)),
                cfg.blockEndTaps());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[]{1, 8, 2, 2}, acts.get("relu5_3").shape());
    }

    @Test
    void loadsTorchvisionKeysFromAWeightsFile(@TempDir Path tmp) throws Exception {
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(GOLDEN)) {
            LinkedHashMap<String, Tensor> state = new LinkedHashMap<>(g.weights(Backends.cpu()));
            Path file = tmp.resolve("vgg_small.safetensors");
            SafetensorsWriter.write(file, state, Map.of());
            VggConfig cfg = VggConfig.fromJson(g.config());
            VggFeatures vgg = VggLoader.load(file, cfg, List.of("relu2_2"), Backends.cpu());
            float[] got = vgg.forward(Var.constant(g.tensor("input.image_normalized", Backends.cpu())), List.of("relu2_2"))
                    .get("relu2_2").tensor().toFloatArray();
            float[] want = g.tensor("output.relu2_2", Backends.cpu()).toFloatArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5); // the file's recommended atol
            // A file without the deeper layers cannot serve a deeper tap, and says which key is missing.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> VggLoader.load(file, cfg, List.of("relu5_3"), Backends.cpu()));
            assertTrue(e.getMessage().contains("no tensor 'features.24.weight'"), e.getMessage());
        }
    }
}
