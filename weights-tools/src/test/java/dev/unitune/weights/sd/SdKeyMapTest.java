package dev.unitune.weights.sd;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The rules file against the full-size SD 1.5 and 2.1 layouts generated from the network structure. */
class SdKeyMapTest {
    static SdKeyMap boundTo(SdLayouts layout) {
        return SdKeyMap.standard().forCheckpoint(layout.keys.stream().map(SdLayouts.Key::original).toList());
    }

    static void assertMapsExactly(SdLayouts layout) {
        SdKeyMap map = boundTo(layout);
        Set<String> produced = new HashSet<>();
        for (SdLayouts.Key k : layout.keys) {
            SdKeyMap.Outcome o = map.map(k.original());
            if (k.diffusers() == null) {
                assertTrue(o instanceof SdKeyMap.Ignored || o instanceof SdKeyMap.Dropped, k.original() + " should be ignored, got " + o);
                continue;
            }
            assertInstanceOf(SdKeyMap.Mapped.class, o, k.original());
            SdKeyMap.Mapped m = (SdKeyMap.Mapped) o;
            assertEquals(k.component(), m.component(), k.original());
            assertEquals(k.diffusers(), m.targets(), k.original());
            boolean reshaped = k.shape().length != k.diffusersShape().length;
            assertEquals(reshaped, m.op() == SdKeyMap.Op.CONV1X1_TO_LINEAR, k.original());
            assertEquals(k.diffusers().size() == 3, m.op() == SdKeyMap.Op.SPLIT3, k.original());
            for (String t : m.targets()) assertTrue(produced.add(m.component() + "/" + t), "two keys map to " + t);
        }
    }

    @Test
    void sd15LayoutMapsOneToOne() {
        SdLayouts l = SdLayouts.sd15(SdLayouts.SD15_UNET, SdLayouts.SD_VAE, SdLayouts.CLIP_L);
        assertMapsExactly(l);
        // The generator is right if it reproduces the published sizes (REFERENCES.md: 859.5M, 123.1M, 83.7M).
        assertEquals(859_520_964L, l.params("unet"));
        assertEquals(123_060_480L, l.params("text_encoder"));
        assertEquals(83_653_863L, l.params("vae"));
    }

    @Test
    void sd21LayoutMapsOneToOneSplittingQkvAndDroppingTheLastLayer() {
        SdLayouts l = SdLayouts.sd15(SdLayouts.SD21_UNET, SdLayouts.SD_VAE, SdLayouts.OPENCLIP_H);
        assertMapsExactly(l);
        SdKeyMap map = boundTo(l);
        assertInstanceOf(SdKeyMap.Dropped.class, map.map("cond_stage_model.model.transformer.resblocks.23.mlp.c_fc.weight"));
        assertEquals(List.of("text_model.encoder.layers.22.self_attn.q_proj.weight", "text_model.encoder.layers.22.self_attn.k_proj.weight",
                        "text_model.encoder.layers.22.self_attn.v_proj.weight"),
                ((SdKeyMap.Mapped) map.map("cond_stage_model.model.transformer.resblocks.22.attn.in_proj_weight")).targets());
        assertEquals(865_910_724L, l.params("unet"), "SD 2.x UNet: linear proj_in/out and 1024-wide cross-attention");
    }

    @Test
    void unknownKeysInsideAComponentAreReportedNotGuessed() {
        SdKeyMap map = SdKeyMap.standard();
        SdKeyMap.Outcome o = map.map("model.diffusion_model.input_blocks.99.0.in_layers.0.weight");
        assertEquals(new SdKeyMap.Unmapped("model.diffusion_model.input_blocks.99.0.in_layers.0.weight", "unet"), o);
        assertEquals(new SdKeyMap.Unmapped("lora_unet_down.weight", null), map.map("lora_unet_down.weight"));
    }

    @Test
    void olderClipCheckpointsWithoutTextModelLevelMapToo() {
        SdKeyMap.Mapped m = (SdKeyMap.Mapped) SdKeyMap.standard().map("cond_stage_model.transformer.encoder.layers.3.mlp.fc1.weight");
        assertEquals(List.of("text_model.encoder.layers.3.mlp.fc1.weight"), m.targets());
    }
}
