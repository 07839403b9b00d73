package dev.unitune.model.sd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.model.golden.SafetensorsGoldenCase;
import dev.unitune.model.schedulers.SchedulerConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.SafetensorsWriter;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tiny diffusers pipeline folder assembled in a temp dir from the golden files' weights and configs (UNet SD-1
 * layout, CLIP quick_gelu text tower, VAE), a tokenizer with a small byte-level vocabulary, and SD 1.5's PNDM
 * scheduler config; the loaded bundle must reproduce the golden outputs, proving every component is wired by name.
 */
class StableDiffusionTest {
    private static final Backend CPU = Backends.cpu();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Paths.get("src/test/resources/golden");

    @TempDir
    static Path tmp;
    static Path folder;
    private static StableDiffusion loaded;

    /** The tiny folder loaded once and shared by the tests that only read it. */
    private static synchronized StableDiffusion loaded() throws IOException {
        if (loaded == null) loaded = StableDiffusion.fromDiffusersFolder(folder, CPU, DType.F32);
        return loaded;
    }

    @BeforeAll
    static void writeFolder() throws Exception {
        folder = tmp.resolve("tiny-sd");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("model_index.json"), """
                {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.25.1",
                 "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
                 "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
                 "scheduler": ["diffusers", "PNDMScheduler"]}""");
        copyComponent("unet_sd1.safetensors", "unet", "diffusion_pytorch_model.safetensors", Map.of());
        copyComponent("vae.safetensors", "vae", "diffusion_pytorch_model.safetensors", Map.of());
        // Older transformers checkpoints also store the position_ids buffer; the loader must skip it.
        copyComponent("clip_text_quickgelu.safetensors", "text_encoder", "model.safetensors",
                Map.of("text_model.embeddings.position_ids", CPU.arange(DType.I64, 0, 1, 77).reshape(1, 77)));
        writeTokenizer(folder.resolve("tokenizer"));
        Files.createDirectories(folder.resolve("scheduler"));
        Files.writeString(folder.resolve("scheduler/scheduler_config.json"), """
                {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
                 "clip_sample": false}""");
    }

    private static void copyComponent(String goldenFile, String component, String weightsName, Map<String, Tensor> extra) throws Exception {
        Path dir = folder.resolve(component);
        Files.createDirectories(dir);
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(GOLDEN.resolve(goldenFile))) {
            LinkedHashMap<String, Tensor> w = new LinkedHashMap<>(g.weights(CPU));
            w.putAll(extra);
            SafetensorsWriter.write(dir.resolve(weightsName), w, Map.of());
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(g.config()));
        }
    }

    /** Byte-level vocabulary: 256 byte symbols, the same with "</w>", one merge, and BOS/EOS at the ids the golden CLIP expects. */
    private static void writeTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode vocab = JSON.createObjectNode();
        List<Integer> order = byteOrder();
        for (int i = 0; i < 256; i++) vocab.put(symbol(order, order.get(i)), i);
        for (int i = 0; i < 256; i++) vocab.put(symbol(order, order.get(i)) + "</w>", 256 + i);
        vocab.put("at</w>", 512);
        vocab.put("<|startoftext|>", 998);
        vocab.put("<|endoftext|>", 999);
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na t</w>\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<|endoftext|>\", \"model_max_length\": 77}");
    }

    /** GPT-2's byte order: printable bytes keep their code point, the rest map to U+0100 upward in byte order. */
    private static List<Integer> byteOrder() {
        List<Integer> bs = new java.util.ArrayList<>();
        for (int b = '!'; b <= '~'; b++) bs.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) bs.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) bs.add(b);
        for (int b = 0; b < 256; b++) if (!bs.contains(b)) bs.add(b);
        return bs;
    }

    private static String symbol(List<Integer> order, int b) {
        int printable = 188; // bytes before this index keep their own code point
        int idx = order.indexOf(b);
        return String.valueOf((char) (idx < printable ? b : 256 + (idx - printable)));
    }

    @Test
    void diffusersFolderLoadsAndReproducesTheGoldenOutputs() throws Exception {
        StableDiffusion sd = loaded();
        assertTrue(sd.isLatentModel());
        assertEquals(2, sd.downscale());
        try (NoGrad ng = NoGrad.enter();
             SafetensorsGoldenCase u = SafetensorsGoldenCase.open(GOLDEN.resolve("unet_sd1.safetensors"));
             SafetensorsGoldenCase c = SafetensorsGoldenCase.open(GOLDEN.resolve("clip_text_quickgelu.safetensors"));
             SafetensorsGoldenCase v = SafetensorsGoldenCase.open(GOLDEN.resolve("vae.safetensors"))) {
            Var pred = sd.unet.forward(Var.constant(u.tensor("input.sample", CPU)), u.tensor("input.timesteps", CPU),
                    Var.constant(u.tensor("input.encoder_hidden_states", CPU)));
            assertWithin(u.tensor("output.sample", CPU), pred.tensor(), 5e-5); // the file's recommended atol
            var text = sd.textEncoder.forward(c.tensor("input.input_ids", CPU), null);
            assertWithin(c.tensor("output.last_hidden_state", CPU), text.lastHiddenState().tensor(), 2e-5);
            Var decoded = sd.vae.decode(Var.constant(v.tensor("input.latent_random", CPU)));
            assertWithin(v.tensor("output.decoded_random", CPU), decoded.tensor(), 5e-5);
        }
    }

    @Test
    void promptsTokenizeEncodeAndRoundTripThroughTheVae() throws Exception {
        StableDiffusion sd = loaded();
        try (NoGrad ng = NoGrad.enter()) {
            Tensor ids = sd.tokenize(List.of("a cat", "hat"));
            long[] l = (long[]) CPU.toHost(ids);
            assertArrayEquals(new int[]{2, 77}, ids.shape());
            assertEquals(998, l[0]);
            assertEquals(999, l[76]); // padded with <|endoftext|>
            assertEquals(512, l[77 + 2]); // "hat" -> h, "at</w>" by the single merge
            Var emb = sd.encodePrompts(List.of("a cat", "hat"));
            assertArrayEquals(new int[]{2, 77, 32}, emb.shape());
            Var skip2 = sd.encodePrompts(List.of("a cat"), 2);
            assertArrayEquals(new int[]{1, 77, 32}, skip2.shape());
            Var image = Var.constant(CPU.uniform(DType.F32, 3, 0, -1, 1, 1, 3, 32, 32));
            Var latent = sd.imageToSample(image, null);
            assertArrayEquals(new int[]{1, 4, 16, 16}, latent.shape());
            Var noise = Var.constant(CPU.normal(DType.F32, 4, 0, 0, 1, 1, 4, 16, 16));
            Var eps = sd.unet.forward(latent, 500, Var.constant(emb.tensor().narrow(0, 0, 1)));
            assertArrayEquals(noise.shape(), eps.shape());
            assertArrayEquals(new int[]{1, 3, 32, 32}, sd.sampleToImage(latent).shape());
        }
        assertEquals(SchedulerConfig.DDIM, sd.scheduler(null).className()); // PNDM is read as DDIM
        assertEquals(SchedulerConfig.EULER, sd.scheduler(SchedulerConfig.EULER).className());
        assertEquals(1, sd.scheduler(null).stepsOffset());
    }

    @Test
    void componentPrefixedWeightSourceLoadsTheSameModel() throws Exception {
        JsonNode unetCfg = JSON.readTree(folder.resolve("unet/config.json").toFile());
        JsonNode textCfg = JSON.readTree(folder.resolve("text_encoder/config.json").toFile());
        JsonNode vaeCfg = JSON.readTree(folder.resolve("vae/config.json").toFile());
        JsonNode schedCfg = JSON.readTree(folder.resolve("scheduler/scheduler_config.json").toFile());
        StableDiffusion a = loaded();
        try (WeightSource all = WeightSources.open(folder)) { // names "unet.*", "vae.*", "text_encoder.*"
            StableDiffusion b = StableDiffusion.fromComponents(all, unetCfg, textCfg, vaeCfg, a.tokenizer, schedCfg, CPU, DType.F32);
            var pa = a.unet.namedParameters();
            b.unet.namedParameters().forEach((n, p) ->
                    assertArrayEquals(pa.get(n).tensor().toFloatArray(), p.tensor().toFloatArray(), 0f, n));
            assertEquals(a.vae.parameterCount(), b.vae.parameterCount());
        }
    }

    @Test
    void missingOrMismatchedComponentsAreNamed() throws Exception {
        Path broken = tmp.resolve("broken");
        copyTree(folder, broken);
        Files.walk(broken.resolve("text_encoder")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        var e = assertThrows(IOException.class, () -> StableDiffusion.fromDiffusersFolder(broken, CPU, DType.F32));
        assertTrue(e.getMessage().contains("text_encoder"), e.getMessage());

        Path wrong = tmp.resolve("wrong");
        copyTree(folder, wrong);
        // A VAE config with 3 latent channels cannot feed a 4-channel UNet: its weights already disagree by shape.
        ObjectNode vaeCfg = (ObjectNode) JSON.readTree(wrong.resolve("vae/config.json").toFile());
        vaeCfg.put("latent_channels", 3);
        Files.writeString(wrong.resolve("vae/config.json"), JSON.writeValueAsString(vaeCfg));
        var e2 = assertThrows(IOException.class, () -> StableDiffusion.fromDiffusersFolder(wrong, CPU, DType.F32));
        assertTrue(e2.getMessage().contains("vae") && e2.getMessage().contains("wrong shape"), e2.getMessage());
    }

    @Test
    void halfPrecisionWeightFilesLoadIntoAFloat32Model() throws Exception {
        Path half = tmp.resolve("half");
        copyTree(folder, half);
        Path vaeDir = half.resolve("vae");
        LinkedHashMap<String, Tensor> f16 = new LinkedHashMap<>();
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(GOLDEN.resolve("vae.safetensors"))) {
            g.weights(CPU).forEach((n, t) -> f16.put(n, t.to(DType.F16)));
        }
        Files.delete(vaeDir.resolve("diffusion_pytorch_model.safetensors"));
        SafetensorsWriter.write(vaeDir.resolve("diffusion_pytorch_model.fp16.safetensors"), f16, Map.of());
        StableDiffusion sd = StableDiffusion.fromDiffusersFolder(half, CPU, DType.F32);
        var params = sd.vae.namedParameters();
        assertEquals(f16.size(), params.size());
        f16.forEach((n, t) -> {
            assertEquals(DType.F32, params.get(n).dtype(), n);
            // f16 -> f32 is exact, so the loaded values are the f16 values bit for bit
            assertArrayEquals(t.toFloatArray(), params.get(n).tensor().toFloatArray(), 0f, n);
        });
    }

    @Test
    void withoutATokenizerFolderTheBundledVocabularyPadsAsTheTextTowerExpects() throws Exception {
        Path noTok = tmp.resolve("no-tokenizer");
        copyTree(folder, noTok);
        Files.walk(noTok.resolve("tokenizer")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        StableDiffusion sd1 = StableDiffusion.fromDiffusersFolder(noTok, CPU, DType.F32);
        assertEquals(sd1.tokenizer.eosId(), sd1.tokenizer.padId()); // quick_gelu (SD 1.x CLIP): pad with <|endoftext|>
        // Swap in the gelu (SD 2.x OpenCLIP style) text tower: its tokenizer pads with "!" (id 0).
        Path te = noTok.resolve("text_encoder");
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(GOLDEN.resolve("clip_text_gelu.safetensors"))) {
            SafetensorsWriter.write(te.resolve("model.safetensors"), new LinkedHashMap<>(g.weights(CPU)), Map.of());
            Files.writeString(te.resolve("config.json"), JSON.writeValueAsString(g.config()));
        }
        StableDiffusion sd2 = StableDiffusion.fromDiffusersFolder(noTok, CPU, DType.F32);
        assertEquals(0, sd2.tokenizer.padId());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    private static void assertWithin(Tensor expected, Tensor actual, double atol) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++)
            if (Math.abs(e[i] - a[i]) > atol) fail("element " + i + ": " + a[i] + " vs golden " + e[i] + " (atol " + atol + ")");
    }
}
