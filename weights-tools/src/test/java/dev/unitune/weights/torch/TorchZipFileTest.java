package dev.unitune.weights.torch;

import dev.unitune.weights.ByteRange;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

public class TorchZipFileTest {
    @TempDir Path dir;

    static float[] floats(ByteRange r) {
        ByteBuffer b = r.piece(0, (int) r.size());
        float[] f = new float[(int) r.size() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    /** OrderedDict state dict with a contiguous, a transposed and an offset view; _metadata BUILD as torch writes. */
    public static byte[] stateDictPickle() {
        Pickler p = new Pickler().proto();
        p.global("collections", "OrderedDict").put().emptyTuple().reduce().put();
        p.mark();
        p.str("conv.weight").put().tensor("FloatStorage", "0", 6, 0, new long[]{2, 3}, new long[]{3, 1});
        p.str("fc.weight.T").put().tensor("FloatStorage", "0", 6, 0, new long[]{3, 2}, new long[]{1, 3});
        p.str("conv.bias").put().tensor("FloatStorage", "1", 4, 1, new long[]{2}, new long[]{2});
        p.str("scalar").put().tensor("HalfStorage", "2", 1, 0, new long[]{}, new long[]{});
        p.str("steps").put().tensor("LongStorage", "3", 2, 0, new long[]{2}, new long[]{1});
        p.setitems();
        // state: {'_metadata': OrderedDict({'': {'version': 1}})}
        p.emptyDict().put().str("_metadata").put().global("collections", "OrderedDict").put().emptyTuple().reduce().put()
                .str("").put().emptyDict().put().str("version").put().integer(1).setitem().setitem().setitem().build();
        return p.stop().bytes();
    }

    public static Map<String, byte[]> stateDictStorages() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("0", TorchFiles.floatsLE(1, 2, 3, 4, 5, 6));
        s.put("1", TorchFiles.floatsLE(10, 11, 12, 13));
        s.put("2", new byte[]{0x00, 0x3c}); // half 1.0
        s.put("3", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-9).array());
        return s;
    }

    @Test
    void readsAStateDictLikeTorchSaveWritesIt() throws Exception {
        Path f = TorchFiles.checkpoint(dir.resolve("m.pth"), stateDictPickle(), stateDictStorages());
        try (WeightSource w = WeightSources.open(f)) {
            assertInstanceOf(TorchZipFile.class, w);
            assertEquals(List.of("conv.weight", "fc.weight.T", "conv.bias", "scalar", "steps"), w.names());
            assertEquals("F32", w.info("conv.weight").dtype());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, floats(w.bytes("conv.weight")));
            assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, floats(w.bytes("fc.weight.T")), "strided view gathered row-major");
            assertArrayEquals(new float[]{11, 13}, floats(w.bytes("conv.bias")), "offset 1, stride 2");
            assertEquals("F16", w.info("scalar").dtype());
            assertEquals(0, w.info("scalar").rank());
            assertEquals(0x3c00, w.bytes("scalar").piece(0, 2).getShort(0));
            ByteBuffer steps = w.bytes("steps").piece(0, 16);
            assertEquals(7, steps.getLong(0));
            assertEquals(-9, steps.getLong(8));
            assertEquals("torch-zip", w.metadata().get("format"));
        }
    }

    @Test
    void readsALightningCheckpointWithInertExtras() throws Exception {
        Pickler p = new Pickler().proto().emptyDict().put().mark();
        p.str("epoch").put().integer(3);
        p.str("global_step").put().integer(470000);
        // callbacks: {ModelCheckpoint: {...}} built by NEWOBJ + BUILD, with a numpy float64 scalar inside
        p.str("callbacks").put().emptyDict().put()
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").put()
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").emptyTuple().newobj().put()
                .emptyDict().put().str("best_model_score").put()
                .global("numpy.core.multiarray", "scalar").put()
                .global("numpy", "dtype").put().str("f8").put().bool(false).bool(true).op(0x87).reduce().put()
                .mark().integer(3).str("<").none().none().none().integer(-1).integer(-1).integer(0).tuple().build()
                .global("_codecs", "encode").put().str("\u0000\u0000\u0000\u0000\u0000\u0000\u00f0?").str("latin1").op(0x86).reduce().put()
                .op(0x86).reduce().put()
                .setitem().build()
                .setitem();
        p.str("state_dict").put().global("collections", "OrderedDict").put().emptyTuple().reduce().put().mark();
        p.str("model.diffusion_model.out.2.bias").put().tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1});
        p.setitems();
        p.setitems().stop();
        Map<String, byte[]> st = Map.of("0", TorchFiles.floatsLE(0.5f, -0.5f));
        Path f = TorchFiles.checkpoint(dir.resolve("sd.ckpt"), p.bytes(), st);
        try (WeightSource w = WeightSources.open(f)) {
            assertEquals(List.of("model.diffusion_model.out.2.bias"), w.names());
            assertEquals("3", w.metadata().get("epoch"));
            assertEquals("470000", w.metadata().get("global_step"));
            assertArrayEquals(new float[]{0.5f, -0.5f}, floats(w.bytes("model.diffusion_model.out.2.bias")));
        }
    }

    @Test
    void python2StyleOrderedDictWithPairListLoads() throws Exception {
        Pickler p = new Pickler().proto().global("collections", "OrderedDict").put()
                .mark().emptyList().put().mark()
                .emptyList().put().str("w").put().append()
                .tensor("FloatStorage", "0", 1, 0, new long[]{1}, new long[]{1}).append()
                .op('e').tuple().reduce().put().stop();
        // The inner list-building above gives [['w', tensor]]; APPENDS closes the outer list.
        Path f = TorchFiles.checkpoint(dir.resolve("py2.pth"), p.bytes(), Map.of("0", TorchFiles.floatsLE(2f)));
        try (WeightSource w = WeightSources.open(f)) {
            assertEquals(List.of("w"), w.names());
        }
    }
}
