package dev.unitune.weights;

import dev.unitune.weights.diffusers.DiffusersFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Diffusers folder layout, sharded safetensors, `weights inspect` output and conversion of non-SD files. */
class FoldersAndShardsTest {
    @TempDir Path dir;

    private static SafetensorsWriter.Entry f32(String name, float... v) {
        return new SafetensorsWriter.Entry(name, WeightDType.F32, new long[]{v.length}, ByteRange.of(StFiles.floats(v)));
    }

    private Path pipeline() throws Exception {
        Path root = dir.resolve("sd");
        Files.createDirectories(root.resolve("unet"));
        Files.createDirectories(root.resolve("vae"));
        Files.createDirectories(root.resolve("text_encoder"));
        Files.createDirectories(root.resolve("scheduler"));
        Files.createDirectories(root.resolve("tokenizer"));
        Files.writeString(root.resolve("model_index.json"), "{\"_class_name\":\"StableDiffusionPipeline\",\"unet\":[\"diffusers\",\"UNet2DConditionModel\"],"
                + "\"vae\":[\"diffusers\",\"AutoencoderKL\"],\"text_encoder\":[\"transformers\",\"CLIPTextModel\"],"
                + "\"tokenizer\":[\"transformers\",\"CLIPTokenizer\"],\"scheduler\":[\"diffusers\",\"DDIMScheduler\"],"
                + "\"safety_checker\":[\"stable_diffusion\",\"StableDiffusionSafetyChecker\"]}");
        Files.writeString(root.resolve("unet/config.json"), "{\"in_channels\":4}");
        Files.writeString(root.resolve("vae/config.json"), "{\"latent_channels\":4}");
        Files.writeString(root.resolve("text_encoder/config.json"), "{\"hidden_size\":8}");
        Files.writeString(root.resolve("scheduler/scheduler_config.json"), "{\"_class_name\":\"DDIMScheduler\"}");
        Files.writeString(root.resolve("tokenizer/tokenizer_config.json"), "{}");
        // unet: fp16 variant only; vae: full; text encoder: two shards with an index
        SafetensorsWriter.writeEntries(root.resolve("unet/diffusion_pytorch_model.fp16.safetensors"), List.of(
                new SafetensorsWriter.Entry("conv_in.weight", WeightDType.F16, new long[]{2}, ByteRange.of(new byte[]{0, 0x3c, 0, (byte) 0xc0}))), Map.of());
        SafetensorsWriter.writeEntries(root.resolve("vae/diffusion_pytorch_model.safetensors"), List.of(f32("decoder.conv_out.bias", 1, 2, 3)), Map.of());
        SafetensorsWriter.writeEntries(root.resolve("text_encoder/model-00001-of-00002.safetensors"), List.of(f32("a", 1), f32("b", 2)), Map.of());
        SafetensorsWriter.writeEntries(root.resolve("text_encoder/model-00002-of-00002.safetensors"), List.of(f32("c", 3)), Map.of());
        Files.writeString(root.resolve("text_encoder/model.safetensors.index.json"), "{\"metadata\":{\"total_size\":12},\"weight_map\":"
                + "{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}}");
        return root;
    }

    @Test
    void diffusersFolderGivesConfigsAndWeightsPerComponent() throws Exception {
        Path root = pipeline();
        try (DiffusersFolder f = DiffusersFolder.open(root)) {
            assertEquals(List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler"), f.components());
            assertEquals(List.of("safety_checker"), f.missingComponents());
            assertEquals(4, f.config("unet").get("in_channels").asInt());
            assertEquals("DDIMScheduler", f.config("scheduler").get("_class_name").asText());
            assertEquals("F16", f.weights("unet").info("conv_in.weight").dtype());
            assertEquals(List.of("a", "b", "c"), f.weights("text_encoder").names());
            assertArrayEquals(StFiles.floats(3), StFiles.toArray(f.weights("text_encoder").bytes("c")));
            assertFalse(f.hasWeights("scheduler"));
        }
        try (WeightSource all = WeightSources.open(root)) {
            assertEquals(List.of("unet.conv_in.weight", "vae.decoder.conv_out.bias", "text_encoder.a", "text_encoder.b", "text_encoder.c"), all.names());
        }
    }

    @Test
    void inspectListsComponentsTensorsAndTotals() throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        WeightsInspector.inspect(pipeline(), new PrintStream(bo, true, StandardCharsets.UTF_8));
        String s = bo.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("component unet: weights diffusion_pytorch_model.fp16.safetensors"), s);
        assertTrue(s.contains("component text_encoder: weights model.safetensors.index.json"), s);
        assertTrue(s.contains("component scheduler: config only"), s);
        assertTrue(s.contains("component safety_checker: MISSING"), s);
        assertTrue(s.matches("(?s).*vae\\.decoder\\.conv_out\\.bias\\s+F32\\s+\\[3]\\s+12.*"), s);
        assertTrue(s.contains("5 tensors, 8 parameters"), s);
    }

    @Test
    void shardIndexThatDisagreesWithTheShardsIsRefused() throws Exception {
        Path root = pipeline();
        Path idx = root.resolve("text_encoder/model.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}}");
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> WeightSources.open(idx).close());
        assertTrue(e.getMessage().contains("tensor 'b' is in shard 'model-00001-of-00002.safetensors' but the index does not list it"), e.getMessage());
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
        e = assertThrows(WeightsFormatException.class, () -> WeightSources.open(idx).close());
        assertTrue(e.getMessage().contains("not a plain file name"), e.getMessage());
    }

    @Test
    void convertTorchToSafetensorsKeepsBytesOrConvertsToBf16() throws Exception {
        Path pth = dev.unitune.weights.torch.TorchFiles.checkpoint(dir.resolve("m.pth"),
                dev.unitune.weights.torch.TorchZipFileTest.stateDictPickle(), dev.unitune.weights.torch.TorchZipFileTest.stateDictStorages());
        Path out = dir.resolve("m.safetensors");
        WeightsConverter.Result r = WeightsConverter.convert(pth, out, null);
        assertFalse(r.diffusersFolder());
        try (WeightSource a = WeightSources.open(pth); SafetensorsFile b = SafetensorsFile.open(out)) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertEquals(a.info(n), b.info(n));
                assertArrayEquals(StFiles.toArray(a.bytes(n)), StFiles.toArray(b.bytes(n)), n);
            }
            assertEquals("pt", b.metadata().get("format"));
        }
        Path bf = dir.resolve("m.bf16.safetensors");
        WeightsConverter.convert(pth, bf, dev.unitune.tensor.DType.BF16);
        try (SafetensorsFile b = SafetensorsFile.open(bf)) {
            assertEquals("BF16", b.info("conv.weight").dtype());
            assertEquals("I64", b.info("steps").dtype(), "integers are left alone");
            float[] v = TensorDecoder.toFloats(b.bytes("fc.weight.T"), WeightDType.BF16, 6);
            assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, v); // small integers are exact in bf16
        }
    }
}
