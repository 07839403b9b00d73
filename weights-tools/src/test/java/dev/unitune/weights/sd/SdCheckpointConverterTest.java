package dev.unitune.weights.sd;

import dev.unitune.tensor.Half;
import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.tensor.DType;
import dev.unitune.weights.ByteRange;
import dev.unitune.weights.FloatBits;
import dev.unitune.weights.SafetensorsWriter;
import dev.unitune.weights.WeightDType;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightsConverter;
import dev.unitune.weights.WeightsFormatException;
import dev.unitune.weights.diffusers.DiffusersFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Tiny synthetic checkpoints with the real SD 1.x / 2.x names, converted end to end into diffusers folders. */
class SdCheckpointConverterTest {
    @TempDir Path dir;

    static final SdLayouts.UnetCfg TINY_UNET1 = new SdLayouts.UnetCfg(8, new int[]{1, 2, 2, 2}, new boolean[]{true, true, true, false}, 6, false, 4);
    static final SdLayouts.UnetCfg TINY_UNET2 = new SdLayouts.UnetCfg(8, new int[]{1, 2, 2, 2}, new boolean[]{true, true, true, false}, 6, true, 4);
    static final SdLayouts.VaeCfg TINY_VAE = new SdLayouts.VaeCfg(4, new int[]{1, 2, 2, 2}, 4);
    static final SdLayouts.TextCfg TINY_CLIP = new SdLayouts.TextCfg(false, 6, 2, 12, 30, 7);
    static final SdLayouts.TextCfg TINY_OPENCLIP = new SdLayouts.TextCfg(true, 6, 3, 12, 30, 7);

    /** Writes the layout with random F32 data (I64 position ids); returns each key's bytes. */
    static Map<String, byte[]> writeCheckpoint(SdLayouts l, Path file, long seed) {
        Random r = new Random(seed);
        Map<String, byte[]> data = new HashMap<>();
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (SdLayouts.Key k : l.keys) {
            long n = 1;
            for (long d : k.shape()) n *= d;
            boolean ids = k.original().endsWith("position_ids");
            ByteBuffer b = ByteBuffer.allocate((int) n * (ids ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) if (ids) b.putLong(i); else b.putFloat((float) r.nextGaussian());
            data.put(k.original(), b.array());
            entries.add(new SafetensorsWriter.Entry(k.original(), ids ? WeightDType.I64 : WeightDType.F32, k.shape(), ByteRange.of(b.array())));
        }
        SafetensorsWriter.writeEntries(file, entries, Map.of());
        return data;
    }

    static byte[] all(ByteRange r) {
        byte[] out = new byte[(int) r.size()];
        if (out.length > 0) r.piece(0, out.length).get(out);
        return out;
    }

    @Test
    void sd1CheckpointBecomesADiffusersFolderWithIdenticalBytes() throws Exception {
        SdLayouts l = SdLayouts.sd15(TINY_UNET1, TINY_VAE, TINY_CLIP);
        Path ckpt = dir.resolve("v1-5-tiny.safetensors");
        Map<String, byte[]> data = writeCheckpoint(l, ckpt, 1);
        Path out = dir.resolve("converted");
        WeightsConverter.Result res = WeightsConverter.convert(ckpt, out, null);
        assertTrue(res.diffusersFolder());
        try (DiffusersFolder f = DiffusersFolder.open(out)) {
            assertEquals(List.of("unet", "vae", "text_encoder", "scheduler"), f.components());
            Set<String> seen = new HashSet<>();
            for (SdLayouts.Key k : l.keys) {
                if (k.diffusers() == null) continue;
                WeightSource w = f.weights(k.component());
                byte[] src = data.get(k.original());
                for (int part = 0; part < k.diffusers().size(); part++) {
                    String name = k.diffusers().get(part);
                    assertTrue(seen.add(k.component() + "/" + name));
                    assertArrayEquals(k.diffusersShape(), w.info(name).shape(), name);
                    int len = src.length / k.diffusers().size();
                    assertArrayEquals(java.util.Arrays.copyOfRange(src, part * len, (part + 1) * len), all(w.bytes(name)), name);
                }
            }
            int total = 0;
            for (String c : List.of("unet", "vae", "text_encoder")) total += f.weights(c).names().size();
            assertEquals(seen.size(), total, "nothing extra in the output");

            JsonNode unet = f.config("unet");
            assertEquals(4, unet.get("in_channels").asInt());
            assertEquals("[8,16,16,16]", unet.get("block_out_channels").toString());
            assertEquals(2, unet.get("layers_per_block").asInt());
            assertEquals(6, unet.get("cross_attention_dim").asInt());
            assertFalse(unet.get("use_linear_projection").asBoolean());
            assertEquals(8, unet.get("attention_head_dim").asInt());
            assertEquals("[\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"DownBlock2D\"]",
                    unet.get("down_block_types").toString());
            assertEquals("[\"UpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\"]",
                    unet.get("up_block_types").toString());
            JsonNode vae = f.config("vae");
            assertEquals("[4,8,8,8]", vae.get("block_out_channels").toString());
            assertEquals(4, vae.get("latent_channels").asInt());
            JsonNode te = f.config("text_encoder");
            assertEquals(2, te.get("num_hidden_layers").asInt());
            assertEquals("quick_gelu", te.get("hidden_act").asText());
            assertEquals(30, te.get("vocab_size").asInt());
            assertEquals("epsilon", f.config("scheduler").get("prediction_type").asText());
        }
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temp folders left behind");
        }
    }

    @Test
    void sd2CheckpointSplitsQkvDropsTheLastLayerAndConvertsToF16() throws Exception {
        SdLayouts l = SdLayouts.sd15(TINY_UNET2, TINY_VAE, TINY_OPENCLIP);
        Path ckpt = dir.resolve("v2-1-tiny.safetensors");
        Map<String, byte[]> data = writeCheckpoint(l, ckpt, 2);
        Path out = dir.resolve("sd2");
        WeightsConverter.convert(ckpt, out, DType.F16);
        try (DiffusersFolder f = DiffusersFolder.open(out)) {
            WeightSource te = f.weights("text_encoder");
            assertFalse(te.contains("text_model.encoder.layers.2.mlp.fc1.weight"), "last of 3 layers dropped");
            assertEquals(2, f.config("text_encoder").get("num_hidden_layers").asInt());
            assertEquals("gelu", f.config("text_encoder").get("hidden_act").asText());
            assertTrue(f.config("unet").get("use_linear_projection").asBoolean());
            assertEquals("v_prediction", f.config("scheduler").get("prediction_type").asText());
            // k_proj of layer 1 = rows 6..11 of the fused in_proj_weight, rounded to half.
            FloatBuf src = new FloatBuf(data.get("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight"));
            ByteBuffer k = te.bytes("text_model.encoder.layers.1.self_attn.k_proj.weight").piece(0, 6 * 6 * 2);
            assertEquals("F16", te.info("text_model.encoder.layers.1.self_attn.k_proj.weight").dtype());
            for (int i = 0; i < 36; i++) assertEquals(Half.floatToF16(src.get(36 + i)), k.getShort(2 * i));
        }
    }

    @Test
    void checkpointWithForeignUnetKeysIsRefusedNamingOne() throws Exception {
        SdLayouts l = new SdLayouts();
        l.unet(TINY_UNET1);
        l.keys.add(new SdLayouts.Key("model.diffusion_model.input_blocks.42.0.weird.weight", "unet", List.of("x"), new long[]{1}, new long[]{1}));
        Path ckpt = dir.resolve("odd.safetensors");
        writeCheckpoint(l, ckpt, 3);
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> WeightsConverter.convert(ckpt, dir.resolve("o"), null));
        assertTrue(e.getMessage().contains("model.diffusion_model.input_blocks.42.0.weird.weight"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("o")));
    }

    /** The same conversion from a Lightning-style torch .ckpt (state_dict inside, EMA and buffers around it). */
    @Test
    void sd1TorchCkptConvertsLikeTheSafetensorsOne() throws Exception {
        SdLayouts l = SdLayouts.sd15(TINY_UNET1, TINY_VAE, TINY_CLIP);
        Map<String, byte[]> data = new HashMap<>();
        dev.unitune.weights.torch.Pickler p = new dev.unitune.weights.torch.Pickler().proto().emptyDict().put().mark();
        p.str("global_step").put().integer(840000);
        p.str("state_dict").put().global("collections", "OrderedDict").put().emptyTuple().reduce().put().mark();
        Random r = new Random(4);
        Map<String, byte[]> storages = new java.util.LinkedHashMap<>();
        int key = 0;
        for (SdLayouts.Key k : l.keys) {
            long n = 1;
            for (long d : k.shape()) n *= d;
            boolean ids = k.original().endsWith("position_ids");
            ByteBuffer b = ByteBuffer.allocate((int) n * (ids ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) if (ids) b.putLong(i); else b.putFloat((float) r.nextGaussian());
            data.put(k.original(), b.array());
            long[] stride = new long[k.shape().length];
            for (int i = stride.length - 1, acc = 1; i >= 0; acc *= (int) k.shape()[i], i--) stride[i] = acc;
            p.str(k.original()).tensor(ids ? "LongStorage" : "FloatStorage", Integer.toString(key), n, 0, k.shape(), stride);
            storages.put(Integer.toString(key++), b.array());
        }
        p.setitems().setitems().stop();
        Path ckpt = dev.unitune.weights.torch.TorchFiles.checkpoint(dir.resolve("v1-5-tiny.ckpt"), p.bytes(), storages);
        Path out = dir.resolve("from-ckpt");
        WeightsConverter.Result res = WeightsConverter.convert(ckpt, out, null);
        assertTrue(res.diffusersFolder());
        try (DiffusersFolder f = DiffusersFolder.open(out)) {
            for (SdLayouts.Key k : l.keys) {
                if (k.diffusers() == null) continue;
                assertArrayEquals(data.get(k.original()), all(f.weights(k.component()).bytes(k.diffusers().get(0))), k.original());
            }
            assertEquals(4, f.config("unet").get("in_channels").asInt());
        }
    }

    record FloatBuf(byte[] b) {
        float get(int i) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getFloat(4 * i); }
    }
}
