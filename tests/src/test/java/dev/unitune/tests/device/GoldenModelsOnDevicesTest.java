package dev.unitune.tests.device;

import dev.unitune.model.golden.GoldenCheck;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The whole networks' golden cases (PyTorch reference outputs and gradients: standalone ops, VGG
 * features + Gram matrices, UNet SD1/SD2, VAE, CLIP text) recomputed on every available device backend
 * (OpenCL, CUDA) through the model module's {@link GoldenCheck}, each output within the file's own
 * recommended tolerance. A backend that is not available here is skipped with its one-line reason.
 *
 * <p>Golden files come from -Dunitune.golden.dir (the tests pom points it at the model module's copy, the
 * repository's single copy of ../shared/golden) or the test classpath (/golden/); without either the test
 * is skipped, saying so.
 */
class GoldenModelsOnDevicesTest {
    static final List<String> FILES = List.of("ops.safetensors", "vgg16_features.safetensors", "clip_text_quickgelu.safetensors",
            "clip_text_gelu.safetensors", "unet_sd1.safetensors", "unet_sd2.safetensors", "vae.safetensors");

    static Path goldenFile(String name) throws URISyntaxException {
        String dir = System.getProperty("unitune.golden.dir");
        if (dir != null && Files.isRegularFile(Path.of(dir, name))) return Path.of(dir, name);
        URL u = GoldenModelsOnDevicesTest.class.getResource("/golden/" + name);
        return u == null ? null : Path.of(u.toURI());
    }

    @TestFactory
    Stream<DynamicTest> goldenCasesOnDeviceBackends() {
        List<DynamicTest> tests = new ArrayList<>();
        // -Dunitune.golden.backends=cpu,opencl compares a device failure with the CPU's on the same file
        for (String backendName : System.getProperty("unitune.golden.backends", "opencl,cuda").split(",")) {
            for (String file : FILES) {
                tests.add(DynamicTest.dynamicTest(backendName + " " + file, () -> {
                    Backends.Probe probe = Backends.probeAll().stream().filter(p -> p.name().equals(backendName)).findFirst().orElse(null);
                    Assumptions.assumeTrue(probe != null && probe.available(),
                            () -> backendName + " unavailable: " + (probe == null ? "no provider on the classpath" : probe.unavailableReason()));
                    Path path = goldenFile(file);
                    Assumptions.assumeTrue(path != null, () -> "golden file " + file + " not on the test classpath (/golden/) nor in -Dunitune.golden.dir");
                    Backend backend = probe.backend();
                    GoldenCheck.FileResult r = new GoldenCheck(backend, null).check(path);
                    if (!r.passed(false)) throw new AssertionError(backendName + " " + file + ":\n" + GoldenCheck.table(List.of(r), false));
                    // Outputs are unowned device tensors, freed by the GC safety net at some later time (possibly
                    // during another case), so only the accounting's sanity is checked here; that memory returns
                    // to its start under scopes is DeviceMemoryTest's job (kernels module).
                    if (backend.allocatedBytes() < 0) throw new AssertionError("allocatedBytes is negative: a storage was freed twice");
                }));
            }
        }
        return tests.stream();
    }
}
