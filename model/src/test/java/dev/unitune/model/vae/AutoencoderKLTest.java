package dev.unitune.model.vae;

import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.model.golden.SafetensorsGoldenCase;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The VAE built from the golden file's config and weights (SD layout, 32x32 images, 16x16 latents). */
class AutoencoderKLTest {
    private static final Backend CPU = Backends.cpu();
    private static AutoencoderKL vae;
    private static TreeSet<String> goldenNames;

    @BeforeAll
    static void load() throws Exception {
        try (SafetensorsGoldenCase g = SafetensorsGoldenCase.open(Paths.get("src/test/resources/golden/vae.safetensors"))) {
            try (InitContext c = InitContext.open(CPU, DType.F32, null, false)) {
                vae = new AutoencoderKL(VaeConfig.fromJson(g.config()));
            }
            vae.loadStateDict(g.weights(CPU), true);
            goldenNames = new TreeSet<>(g.namesUnder("weights."));
        }
        vae.eval();
    }

    @Test
    void parameterNamesAreExactlyTheDiffusersStateDictKeys() {
        assertEquals(goldenNames, new TreeSet<>(vae.namedParameters().keySet()));
        assertEquals(0.18215, vae.scalingFactor(), 0);
        assertEquals(2, vae.config.downscale());
    }

    @Test
    void tiledDecodeOfALatentThatFitsOneTileIsTheUntiledDecode() {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor z = CPU.normal(DType.F32, 5, 0, 0, 1, 1, 4, 16, 16);
            float[] plain = vae.decode(Var.constant(z)).tensor().toFloatArray();
            float[] tiled = vae.decodeTiled(z, 16, 0.25).toFloatArray();
            assertArrayEquals(plain, tiled, 0f);
        }
    }

    @Test
    void tiledDecodePlacesTilesAndKeepsTheFirstTileUnblended() {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor z = CPU.normal(DType.F32, 6, 0, 0, 1, 1, 4, 16, 16);
            int tile = 8;
            for (double overlap : new double[]{0.0, 0.25}) {
                Tensor out = vae.decodeTiled(z, tile, overlap);
                assertArrayEquals(new int[]{1, 3, 32, 32}, out.shape());
                // Tile (0, 0) is decoded alone and never blended; with stride s it supplies image rows/cols [0, 2s).
                int stride = (int) (tile * (1 - overlap)), keep = 2 * stride;
                Tensor first = vae.decode(Var.constant(z.narrow(2, 0, tile).narrow(3, 0, tile).contiguous())).tensor();
                float[] o = out.toFloatArray(), f = first.toFloatArray();
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < keep; y++)
                        for (int x = 0; x < keep; x++)
                            assertEquals(f[(c * 16 + y) * 16 + x], o[(c * 32 + y) * 32 + x], 0f, "overlap " + overlap + " c" + c + " y" + y + " x" + x);
                if (overlap == 0.0) {
                    // No overlap: the bottom-right tile lands unchanged in the bottom-right quarter.
                    Tensor last = vae.decode(Var.constant(z.narrow(2, 8, tile).narrow(3, 8, tile).contiguous())).tensor();
                    float[] l = last.toFloatArray();
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < 16; y++)
                            for (int x = 0; x < 16; x++)
                                assertEquals(l[(c * 16 + y) * 16 + x], o[(c * 32 + 16 + y) * 32 + 16 + x], 0f);
                }
            }
        }
    }

    @Test
    void logVarianceIsClampedAndSamplingUsesTheGivenNoise() {
        try (NoGrad ng = NoGrad.enter()) {
            float[] moments = {0.5f, -1f, 100f, -100f}; // one pixel, latent 2 channels: mean (0.5, -1), logvar (100, -100)
            LatentDistribution d = LatentDistribution.fromMoments(Var.constant(CPU.fromHost(moments, DType.F32, 1, 4, 1, 1)));
            assertArrayEquals(new float[]{20f, -30f}, d.logvar().tensor().toFloatArray(), 0f);
            float[] std = d.std().tensor().toFloatArray();
            assertEquals(Math.exp(10), std[0], Math.exp(10) * 1e-6);
            Tensor noise = CPU.fromHost(new float[]{2f, 0f}, DType.F32, 1, 2, 1, 1);
            float[] s = d.sample(noise).tensor().toFloatArray();
            assertEquals(0.5 + 2 * Math.exp(10), s[0], Math.exp(10) * 1e-6);
            assertEquals(-1f, s[1], 0f);
            var e = assertThrows(IllegalArgumentException.class, () -> d.sample(CPU.fill(DType.F32, 0, 1, 2, 2, 2)));
            assertTrue(e.getMessage().contains("noise"), e.getMessage());
        }
    }

    @Test
    void wrongInputsAreNamed() {
        try (NoGrad ng = NoGrad.enter()) {
            var e = assertThrows(IllegalArgumentException.class, () -> vae.decode(Var.constant(CPU.fill(DType.F32, 0, 1, 3, 4, 4))));
            assertTrue(e.getMessage().contains("latent [B, 4, h, w]"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> vae.encode(Var.constant(CPU.fill(DType.F32, 0, 1, 4, 8, 8))));
            assertTrue(e2.getMessage().contains("image [B, 3, H, W]"), e2.getMessage());
        }
    }
}
