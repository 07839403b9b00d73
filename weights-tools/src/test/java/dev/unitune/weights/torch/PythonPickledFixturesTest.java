package dev.unitune.weights.torch;

import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.weights.TensorInfo;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpoints pickled by CPython's own pickler in torch's layout (scripts/make-torch-like-fixtures.py):
 * real memo/batching patterns, numpy scalars, Lightning extras and the legacy format. Element i of the
 * t-th float32 tensor is t + i/1024 (float16: 1 + i/1024, int64: t*1000 + i).
 */
class PythonPickledFixturesTest {
    @TempDir Path dir;

    private Path resource(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/torch/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    /** torchvision vgg16 state-dict names: 13 convs (features.N) and 3 linears (classifier.0/3/6). */
    static List<String> vgg16Names() {
        List<String> out = new ArrayList<>();
        for (int i : new int[]{0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28}) {
            out.add("features." + i + ".weight");
            out.add("features." + i + ".bias");
        }
        for (int i : new int[]{0, 3, 6}) {
            out.add("classifier." + i + ".weight");
            out.add("classifier." + i + ".bias");
        }
        return out;
    }

    private static void assertPattern(WeightSource w, String name, int t) {
        float[] v = (float[]) Backends.cpu().toHost(w.loadAs(name, Backends.cpu(), DType.F32));
        for (int i = 0; i < v.length; i++) assertEquals(t + i / 1024f, v[i], name + "[" + i + "]");
    }

    @Test
    void vgg16ZipStateDictLoadsWithViewsHalfLongAndParameters() throws Exception {
        try (WeightSource w = WeightSources.open(resource("vgg16_like.pth"))) {
            List<String> names = w.names();
            assertEquals(vgg16Names(), names.subList(0, 32));
            for (int t = 0; t < 32; t++) assertPattern(w, names.get(t), t);
            assertArrayEquals(new long[]{1, 3, 3, 3}, w.info("features.0.weight").shape());
            // extra.transposed is the [2, 3] storage 32 viewed as [3, 2] with strides (1, 3)
            float[] tr = (float[]) Backends.cpu().toHost(w.load("extra.transposed", Backends.cpu()));
            float b = 32;
            assertArrayEquals(new float[]{b, b + 3 / 1024f, b + 1 / 1024f, b + 4 / 1024f, b + 2 / 1024f, b + 5 / 1024f}, tr);
            float[] row1 = (float[]) Backends.cpu().toHost(w.load("extra.row1", Backends.cpu()));
            assertArrayEquals(new float[]{b + 3 / 1024f, b + 4 / 1024f, b + 5 / 1024f}, row1);
            assertEquals(DType.F16, w.load("extra.half", Backends.cpu()).dtype());
            assertPattern(w, "extra.half", 1); // float16 fixtures hold 1 + i/1024
            TensorInfo nbt = w.info("extra.num_batches_tracked");
            assertEquals("I64", nbt.dtype());
            assertEquals(0, nbt.rank());
            assertEquals(34_000L, ((long[]) Backends.cpu().toHost(w.load("extra.num_batches_tracked", Backends.cpu())))[0]);
            assertPattern(w, "extra.param", 35);
        }
    }

    @Test
    void thousandsOfKeysUseLongMemoIdsAndBatchedSetitems() throws Exception {
        try (WeightSource w = WeightSources.open(resource("many_keys.pt"))) {
            assertEquals(1100, w.names().size());
            assertEquals("layer.1099.w", w.names().get(1099));
            ByteBuffer last = w.bytes("layer.1099.w").piece(0, 4);
            assertEquals(1099 / 1024f, last.getFloat(0));
        }
    }

    @Test
    void lightningCheckpointWithNumpyScalarAndClassKeyedCallbacks() throws Exception {
        try (WeightSource w = WeightSources.open(resource("sd_lightning_like.ckpt"))) {
            assertEquals(List.of("model.diffusion_model.out.2.bias", "model_ema.decay"), w.names());
            assertEquals("470000", w.metadata().get("global_step"));
            assertEquals("1.4.2", w.metadata().get("pytorch-lightning_version"));
            assertPattern(w, "model.diffusion_model.out.2.bias", 0);
        }
    }

    @Test
    void legacyVgg16LoadsLikeTheOldTorchvisionDownloads() throws Exception {
        try (WeightSource w = WeightSources.open(resource("vgg16_legacy_like.pth"))) {
            assertInstanceOf(TorchLegacyFile.class, w);
            assertEquals(vgg16Names(), w.names());
            for (int t = 0; t < 32; t++) assertPattern(w, w.names().get(t), t);
        }
    }
}
