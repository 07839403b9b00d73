package dev.unitune.model.sd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.autograd.nn.Module;
import dev.unitune.model.clip.ClipTextConfig;
import dev.unitune.model.clip.ClipTextModel;
import dev.unitune.model.unet.UNet2DConditionModel;
import dev.unitune.model.unet.UNetConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.SafetensorsWriter;
import dev.unitune.weights.sd.SdKeyMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An original-layout (CompVis) single-file checkpoint written in the test from a small random SD-1.x-shaped UNet and
 * CLIP text encoder (sizes the converter's SD defaults fit: 32 GroupNorm groups, 8 UNet heads, 64-wide text heads,
 * the full CLIP vocabulary), loaded back through weights-tools' key map: every parameter must arrive unchanged.
 */
class SingleFileCheckpointTest {
    private static final Backend CPU = Backends.cpu();

    static final String UNET = """
            {"block_out_channels": [32, 64, 64], "layers_per_block": 2, "norm_num_groups": 32, "attention_head_dim": 8,
             "cross_attention_dim": 64, "in_channels": 4, "out_channels": 4,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}""";
    static final String TEXT = """
            {"vocab_size": 49408, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 1, "max_position_embeddings": 77, "hidden_act": "quick_gelu", "eos_token_id": 2}""";

    @TempDir
    static Path tmp;
    static UNet2DConditionModel unet;
    static ClipTextModel text;
    static Path checkpoint;

    @BeforeAll
    static void writeCheckpoint() throws Exception {
        ObjectMapper m = new ObjectMapper();
        try (InitContext c = InitContext.open(CPU, DType.F32, new Generator(42), true)) {
            unet = new UNet2DConditionModel(UNetConfig.fromJson(m.readTree(UNET)));
            text = new ClipTextModel(ClipTextConfig.fromJson(m.readTree(TEXT)));
        }
        LinkedHashMap<String, Tensor> original = new LinkedHashMap<>();
        SdKeyMap map = SdKeyMap.standard();
        unet.stateDict().forEach((name, t) -> {
            String key = "model.diffusion_model." + OriginalUNetNames.of(name);
            // The inverse written here and weights-tools' forward map must agree on every key.
            SdKeyMap.Outcome o = map.map(key);
            assertTrue(o instanceof SdKeyMap.Mapped mm && mm.component().equals("unet") && mm.targets().equals(List.of(name)),
                    key + " -> " + o + ", expected unet/" + name);
            original.put(key, t);
        });
        text.stateDict().forEach((name, t) -> original.put("cond_stage_model.transformer." + name, t));
        original.put("betas", CPU.fill(DType.F32, 0.01, 1000)); // schedule buffers are ignored by the map
        checkpoint = tmp.resolve("tiny-sd1.safetensors");
        SafetensorsWriter.write(checkpoint, original, Map.of());
    }

    @Test
    void singleFileCheckpointLoadsEveryParameterUnchanged() throws Exception {
        Path converted = tmp.resolve("converted");
        StableDiffusion sd = StableDiffusion.fromSingleFile(checkpoint, converted, CPU, DType.F32);
        assertFalse(sd.isLatentModel()); // no first_stage_model in this file
        assertSameParameters(unet, sd.unet);
        assertSameParameters(text, sd.textEncoder);
        assertEquals(sd.tokenizer.eosId(), sd.tokenizer.padId()); // SD 1.x pads with <|endoftext|>
        try (NoGrad ng = NoGrad.enter()) {
            Var ctx = sd.encodePrompts(List.of("a red house"));
            assertArrayEquals(new int[]{1, 77, 64}, ctx.shape());
            Var eps = sd.unet.forward(Var.constant(CPU.normal(DType.F32, 1, 0, 0, 1, 1, 4, 8, 8)), 999, ctx);
            assertArrayEquals(new int[]{1, 4, 8, 8}, eps.shape());
        }
        // A second load reuses the converted folder; a different checkpoint is refused for it.
        StableDiffusion again = StableDiffusion.fromSingleFile(checkpoint, converted, CPU, DType.F32);
        assertSameParameters(unet, again.unet);
        Path other = tmp.resolve("other.safetensors");
        Files.copy(checkpoint, other);
        var e = assertThrows(IOException.class, () -> StableDiffusion.fromSingleFile(other, converted, CPU, DType.F32));
        assertTrue(e.getMessage().contains("another checkpoint"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAnSdCheckpointIsRefusedClearly() throws Exception {
        Path notSd = tmp.resolve("not-sd.safetensors");
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        t.put("conv_in.weight", CPU.fill(DType.F32, 0, 2, 2));
        SafetensorsWriter.write(notSd, t, Map.of());
        var e = assertThrows(IOException.class, () -> StableDiffusion.fromSingleFile(notSd, tmp.resolve("x"), CPU, DType.F32));
        assertTrue(e.getMessage().contains("model.diffusion_model"), e.getMessage());
    }

    private static void assertSameParameters(Module expected, Module actual) {
        var a = actual.namedParameters();
        assertEquals(expected.namedParameters().keySet(), a.keySet());
        expected.namedParameters().forEach((n, p) -> assertArrayEquals(p.tensor().toFloatArray(), a.get(n).tensor().toFloatArray(), 0f, n));
    }

    /** diffusers UNet names -> CompVis openaimodel names, for the 3-level, 2-layer layout of {@link #UNET}. */
    static final class OriginalUNetNames {
        private static final String[][] RESNET = {{"norm1.", "in_layers.0."}, {"conv1.", "in_layers.2."}, {"norm2.", "out_layers.0."},
                {"conv2.", "out_layers.3."}, {"time_emb_proj.", "emb_layers.1."}, {"conv_shortcut.", "skip_connection."}};

        static String of(String n) {
            String[] p = n.split("\\.");
            switch (p[0]) {
                case "time_embedding": return n.replace("time_embedding.linear_1.", "time_embed.0.").replace("time_embedding.linear_2.", "time_embed.2.");
                case "conv_in": return n.replace("conv_in.", "input_blocks.0.0.");
                case "conv_norm_out": return n.replace("conv_norm_out.", "out.0.");
                case "conv_out": return n.replace("conv_out.", "out.2.");
                case "down_blocks": {
                    int b = Integer.parseInt(p[1]);
                    String rest = tail(p, 4);
                    if (p[2].equals("downsamplers")) return "input_blocks." + (3 + 3 * b) + ".0.op." + tail(p, 5);
                    int l = Integer.parseInt(p[3]);
                    String at = "input_blocks." + (1 + 3 * b + l);
                    return p[2].equals("resnets") ? at + ".0." + resnet(rest) : at + ".1." + rest;
                }
                case "mid_block": {
                    String rest = tail(p, 3);
                    if (p[1].equals("attentions")) return "middle_block.1." + rest;
                    return "middle_block." + (p[2].equals("0") ? 0 : 2) + "." + resnet(rest);
                }
                case "up_blocks": {
                    int b = Integer.parseInt(p[1]);
                    if (p[2].equals("upsamplers")) return "output_blocks." + (3 * b + 2) + "." + (b == 0 ? 1 : 2) + "." + tail(p, 4);
                    int l = Integer.parseInt(p[3]);
                    String rest = tail(p, 4);
                    String at = "output_blocks." + (3 * b + l);
                    return p[2].equals("resnets") ? at + ".0." + resnet(rest) : at + ".1." + rest;
                }
                default: throw new IllegalArgumentException("no original name for " + n);
            }
        }

        private static String tail(String[] p, int from) { return String.join(".", java.util.Arrays.copyOfRange(p, from, p.length)); }

        private static String resnet(String rest) {
            for (String[] r : RESNET) if (rest.startsWith(r[0])) return r[1] + rest.substring(r[0].length());
            throw new IllegalArgumentException("unknown resnet member " + rest);
        }
    }
}
