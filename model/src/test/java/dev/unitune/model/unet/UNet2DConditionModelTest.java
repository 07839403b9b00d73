package dev.unitune.model.unet;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.autograd.nn.Parameter;
import dev.unitune.model.golden.SafetensorsGoldenCase;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class UNet2DConditionModelTest {
    private static final Backend CPU = Backends.cpu();

    /** A three-level SD-1.x-style UNet small enough to run forward+backward in well under a second. */
    static final String TINY = """
            {"block_out_channels": [8, 16, 16], "layers_per_block": 1, "norm_num_groups": 4, "attention_head_dim": 2,
             "cross_attention_dim": 8, "in_channels": 4, "out_channels": 4,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}""";

    static UNet2DConditionModel tiny(String json, long seed) throws Exception {
        UNetConfig c = UNetConfig.fromJson(new ObjectMapper().readTree(json));
        try (InitContext ctx = InitContext.open(CPU, DType.F32, new Generator(seed), true)) {
            return new UNet2DConditionModel(c);
        }
    }

    @Test
    void parameterNamesAreExactlyTheDiffusersStateDictKeys() throws Exception {
        for (String file : new String[]{"unet_sd1.safetensors", "unet_sd2.safetensors"}) {
            try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(Paths.get("src/test/resources/golden", file))) {
                UNet2DConditionModel unet;
                try (InitContext ctx = InitContext.open(CPU, DType.F32, null, false)) {
                    unet = new UNet2DConditionModel(UNetConfig.fromJson(g.config()));
                }
                assertEquals(new TreeSet<>(g.namesUnder("weights.")), new TreeSet<>(unet.namedParameters().keySet()), file);
                assertEquals(g.namesUnder("weights.").size(), unet.namedParameters().size());
            }
        }
    }

    @Test
    void sd2ConfigReadsPerBlockHeadCountsAndLinearProjection() throws Exception {
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(Paths.get("src/test/resources/golden/unet_sd2.safetensors"))) {
            UNetConfig c = UNetConfig.fromJson(g.config());
            assertArrayEquals(new int[]{2, 4, 4}, c.numAttentionHeads());
            assertTrue(c.useLinearProjection());
            assertTrue(c.upcastAttention());
            assertArrayEquals(new int[]{48, 48, 48}, c.crossAttentionDim());
        }
    }

    @Test
    void sizesNotDivisibleByTheUpsamplingFactorComeBackAtTheInputSize() throws Exception {
        UNet2DConditionModel unet = tiny(TINY, 7);
        // 6x6 with two downsamplers goes 6 -> 3 -> 2; the first upsampler must produce 3x3, not 4x4, to meet its skip.
        for (int size : new int[]{6, 5, 8}) {
            try (NoGrad ng = NoGrad.enter()) {
                Var x = Var.constant(CPU.normal(DType.F32, 1, 0, 0, 1, 2, 4, size, size));
                Var ctx = Var.constant(CPU.normal(DType.F32, 2, 0, 0, 1, 2, 5, 8));
                Var y = unet.forward(x, new double[]{10, 900}, ctx, null);
                assertArrayEquals(new int[]{2, 4, size, size}, y.shape());
                for (float v : y.tensor().toFloatArray()) assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void pixelSpaceModelsTakeAndReturnRgb() throws Exception {
        // The embedded default model works on 3-channel pixels (in_channels 3), like Imagen's base model.
        UNet2DConditionModel unet = tiny(TINY.replace("\"in_channels\": 4, \"out_channels\": 4", "\"in_channels\": 3, \"out_channels\": 3"), 5);
        assertEquals(3, unet.config.inChannels());
        try (NoGrad ng = NoGrad.enter()) {
            Var x = Var.constant(CPU.normal(DType.F32, 1, 0, 0, 1, 1, 3, 16, 16));
            Var ctx = Var.constant(CPU.normal(DType.F32, 2, 0, 0, 1, 1, 3, 8));
            assertArrayEquals(new int[]{1, 3, 16, 16}, unet.forward(x, 250, ctx).shape());
        }
    }

    @Test
    void nearestResizeIndicesFollowPyTorch() {
        assertArrayEquals(new long[]{0, 0, 1, 1, 2}, NearestIndex.of(3, 5)); // floor(i * 0.6)
        assertArrayEquals(new long[]{0, 0, 1}, NearestIndex.of(2, 3));
        assertArrayEquals(new long[]{0, 0, 1, 1, 2, 2}, NearestIndex.of(3, 6));
        assertArrayEquals(new long[]{0, 2}, NearestIndex.of(4, 2));
    }

    @Test
    void timestepEmbeddingIsCosThenSinWhenFlipped() {
        float[] e = SinusoidalTimesteps.embed(new double[]{0, 1}, 4, true, 0);
        // t = 0: [cos 0, cos 0 | sin 0, sin 0]; t = 1, freqs {1, 10000^-1/2}: [cos 1, cos 0.01 | sin 1, sin 0.01]
        assertArrayEquals(new float[]{1, 1, 0, 0}, java.util.Arrays.copyOfRange(e, 0, 4), 0f);
        assertEquals(Math.cos(1), e[4], 1e-7);
        assertEquals(Math.cos(0.01), e[5], 1e-7);
        assertEquals(Math.sin(1), e[6], 1e-7);
        assertEquals(Math.sin(0.01), e[7], 1e-7);
        float[] unflipped = SinusoidalTimesteps.embed(new double[]{1}, 4, false, 1);
        assertEquals(Math.sin(1), unflipped[0], 1e-7); // freq_shift 1: exponent / (half - 1) = frequencies {1, 1e-4}
        assertEquals(Math.sin(1e-4), unflipped[1], 1e-9);
    }

    @Test
    void checkpointedBackwardGivesTheSameGradientsAsPlainBackward() throws Exception {
        UNet2DConditionModel plain = tiny(TINY, 3), ckpt = tiny(TINY, 3);
        ckpt.setGradientCheckpointing(true);
        var x = CPU.normal(DType.F32, 11, 0, 0, 1, 2, 4, 8, 8);
        var ctxT = CPU.normal(DType.F32, 12, 0, 0, 1, 2, 5, 8);
        Var ctxA = Var.leaf(ctxT), ctxB = Var.leaf(ctxT);
        F.mean(F.square(plain.forward(Var.constant(x), new double[]{3, 500}, ctxA, null))).backward();
        F.mean(F.square(ckpt.forward(Var.constant(x), new double[]{3, 500}, ctxB, null))).backward();
        Map<String, Parameter> a = plain.namedParameters(), b = ckpt.namedParameters();
        int compared = 0;
        for (String name : a.keySet()) {
            assertNotNull(a.get(name).grad(), name);
            assertNotNull(b.get(name).grad(), name + " got no gradient through checkpointing");
            // Same ops on the same values; only the order in which the many contributions to shared inputs (the time
            // embedding, the text context) are summed changes, which moves float32 sums by a few ulps of their size.
            assertClose(a.get(name).grad().toFloatArray(), b.get(name).grad().toFloatArray(), 1e-5, name);
            compared++;
        }
        assertClose(ctxA.grad().toFloatArray(), ctxB.grad().toFloatArray(), 1e-5, "encoder_hidden_states");
        assertEquals(plain.namedParameters().size(), compared);
    }

    @Test
    void unsupportedConfigsAreRefusedByName() {
        ObjectMapper m = new ObjectMapper();
        var e1 = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(m.readTree(
                TINY.replace("\"DownBlock2D\"]", "\"SimpleCrossAttnDownBlock2D\"]"))));
        assertTrue(e1.getMessage().contains("SimpleCrossAttnDownBlock2D"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(m.readTree(
                TINY.replace("\"attention_head_dim\": 2", "\"attention_head_dim\": 3"))));
        assertTrue(e2.getMessage().contains("3 attention heads"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(m.readTree(
                TINY.replace("{", "{\"class_embed_type\": \"timestep\", "))));
        assertTrue(e3.getMessage().contains("class_embed_type"), e3.getMessage());
    }

    @Test
    void wrongInputShapesAreNamed() throws Exception {
        UNet2DConditionModel unet = tiny(TINY, 1);
        try (NoGrad ng = NoGrad.enter()) {
            Var x = Var.constant(CPU.fill(DType.F32, 0, 1, 3, 8, 8));
            Var ctx = Var.constant(CPU.fill(DType.F32, 0, 1, 5, 8));
            var e = assertThrows(IllegalArgumentException.class, () -> unet.forward(x, 1.0, ctx));
            assertTrue(e.getMessage().contains("[B, 4, H, W]"), e.getMessage());
            Var x4 = Var.constant(CPU.fill(DType.F32, 0, 1, 4, 8, 8));
            Var badCtx = Var.constant(CPU.fill(DType.F32, 0, 1, 5, 7));
            var e2 = assertThrows(IllegalArgumentException.class, () -> unet.forward(x4, 1.0, badCtx));
            assertTrue(e2.getMessage().contains("encoder_hidden_states"), e2.getMessage());
        }
    }

    static void assertClose(float[] expected, float[] actual, double relOfMax, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        double tol = relOfMax * Math.max(max, 1e-30);
        for (int i = 0; i < expected.length; i++)
            if (Math.abs(expected[i] - actual[i]) > tol)
                fail(what + "[" + i + "]: " + expected[i] + " vs " + actual[i] + " (tolerance " + tol + ")");
    }
}
