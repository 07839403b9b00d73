package dev.unitune.model.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.model.golden.SafetensorsGoldenCase;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class ClipTextModelTest {
    private static final Backend CPU = Backends.cpu();

    @Test
    void pooledPositionIsArgmaxForLegacyConfigsAndFirstEosOtherwise() {
        long[] ids = {998, 5, 999, 999, 0,     // EOS 999 at 2, padded with EOS
                      998, 7, 8, 999, 0};      // EOS at 3, padded with 0
        assertArrayEquals(new int[]{2, 3}, ClipTextModel.eosPositions(ids, 2, 5, 999));
        // eos_token_id == 2: position of the largest id (first on ties), whatever the real EOS id is.
        assertArrayEquals(new int[]{2, 3}, ClipTextModel.eosPositions(ids, 2, 5, 2));
        long[] noEos = {998, 5, 6, 7, 0};
        assertArrayEquals(new int[]{0}, ClipTextModel.eosPositions(noEos, 1, 5, 999));
        assertArrayEquals(new int[]{0}, ClipTextModel.eosPositions(noEos, 1, 5, 2));
    }

    @Test
    void namesMatchTransformersAndHiddenStatesCountLayersPlusEmbeddings() throws Exception {
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(Paths.get("src/test/resources/golden/clip_text_quickgelu.safetensors"))) {
            ClipTextModel clip;
            try (InitContext c = InitContext.open(CPU, DType.F32, null, false)) {
                clip = new ClipTextModel(ClipTextConfig.fromJson(g.config()));
            }
            assertEquals(new TreeSet<>(g.namesUnder("weights.")), new TreeSet<>(clip.namedParameters().keySet()));
            clip.loadStateDict(g.weights(CPU), true);
            try (NoGrad ng = NoGrad.enter()) {
                ClipTextOutput o = clip.forward(g.tensor("input.input_ids", CPU), null);
                assertEquals(clip.config.numHiddenLayers() + 1, o.hiddenStates().size());
                assertArrayEquals(new int[]{2, 32}, o.pooledOutput().shape());
                // The pooled output is the last hidden state at the EOS position, exactly.
                long[] ids = toLongs(g.tensor("input.input_ids", CPU));
                int[] pos = clip.eosPositions(ids, 2, 77);
                float[] last = o.lastHiddenState().tensor().toFloatArray(), pooled = o.pooledOutput().tensor().toFloatArray();
                for (int b = 0; b < 2; b++)
                    for (int d = 0; d < 32; d++)
                        assertEquals(last[(b * 77 + pos[b]) * 32 + d], pooled[b * 32 + d], 0f);
            }
        }
    }

    @Test
    void badInputsAreNamed() throws Exception {
        ClipTextConfig c = ClipTextConfig.fromJson(new ObjectMapper().readTree(
                "{\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1,"
                        + " \"num_attention_heads\": 2, \"max_position_embeddings\": 6}"));
        ClipTextModel clip;
        try (InitContext ctx = InitContext.open(CPU, DType.F32, null, true)) {
            clip = new ClipTextModel(c);
        }
        try (NoGrad ng = NoGrad.enter()) {
            Tensor bad = CPU.fromHost(new long[]{1, 2, 10}, DType.I64, 1, 3);
            var e = assertThrows(IllegalArgumentException.class, () -> clip.forward(bad, null));
            assertTrue(e.getMessage().contains("token id 10 at position 2"), e.getMessage());
            Tensor tooLong = CPU.fromHost(new long[7], DType.I64, 1, 7);
            var e2 = assertThrows(IllegalArgumentException.class, () -> clip.forward(tooLong, null));
            assertTrue(e2.getMessage().contains("max_position_embeddings 6"), e2.getMessage());
            Tensor ok = CPU.fromHost(new long[]{1, 2, 3}, DType.I64, 1, 3);
            var e3 = assertThrows(IllegalArgumentException.class, () -> clip.forward(ok, CPU.fill(DType.I64, 1, 1, 4)));
            assertTrue(e3.getMessage().contains("attention_mask"), e3.getMessage());
        }
    }

    @Test
    void fullClipConfigsUseTheirTextSection() throws Exception {
        ClipTextConfig c = ClipTextConfig.fromJson(new ObjectMapper().readTree(
                "{\"text_config\": {\"hidden_size\": 768, \"num_attention_heads\": 12, \"hidden_act\": \"quick_gelu\", \"eos_token_id\": 2},"
                        + " \"vision_config\": {\"hidden_size\": 1024}}"));
        assertEquals(768, c.hiddenSize());
        assertEquals(64, c.headDim());
        assertEquals(2, c.eosTokenId());
        var e = assertThrows(IllegalArgumentException.class, () -> ClipTextConfig.fromJson(new ObjectMapper().readTree(
                "{\"hidden_size\": 10, \"num_attention_heads\": 3}")));
        assertTrue(e.getMessage().contains("not divisible into 3 heads"), e.getMessage());
    }

    private static long[] toLongs(Tensor t) {
        double[] d = t.toDoubleArray();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (long) d[i];
        return out;
    }
}
