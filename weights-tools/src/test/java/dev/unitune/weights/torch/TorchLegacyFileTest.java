package dev.unitune.weights.torch;

import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import dev.unitune.weights.WeightsFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The pre-1.6 layout that old torchvision files (vgg16-397923af.pth, vgg19-dcbb9e9d.pth) use. */
public class TorchLegacyFileTest {
    @TempDir Path dir;

    /** torch 0.3-style: _rebuild_tensor (v1), 6-field persistent ids, sys_info, sorted key list, sized storages. */
    public static byte[] legacyVggLike(boolean truncateLastStorage) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(TorchLegacyFile.MAGIC);
        b.write(new Pickler().proto().integer(1001).stop().bytes());
        b.write(new Pickler().proto().emptyDict().put().mark()
                .str("protocol_version").put().integer(1001)
                .str("little_endian").put().bool(true)
                .str("type_sizes").put().emptyDict().put().mark().str("short").put().integer(2).str("int").put().integer(4)
                .str("long").put().integer(4).op('u').op('u').stop().bytes());
        Pickler p = new Pickler().proto().global("collections", "OrderedDict").put().emptyTuple().reduce().put().mark();
        String[] keys = {"94183621031936", "94183621035520"};
        p.str("features.0.weight").put().global("torch._utils", "_rebuild_tensor").put()
                .mark().mark().str("storage").put().global("torch", "FloatStorage").put().str(keys[0]).put().str("cpu").put()
                .integer(6).none().tuple().put().persid().put().integer(0).ints(2, 3).put().ints(3, 1).put().tuple().put().reduce().put();
        // Second tensor re-uses memoised objects as Python's pickler does: 3 = _rebuild_tensor, 4 = 'storage',
        // 5 = torch.FloatStorage, 7 = 'cpu'.
        p.str("features.0.bias").put().get(3)
                .mark().mark().get(4).get(5).str(keys[1]).put().get(7)
                .integer(2).none().tuple().put().persid().put().integer(0).ints(2).put().ints(1).put().tuple().put().reduce().put();
        p.setitems().stop();
        b.write(p.bytes());
        b.write(new Pickler().proto().emptyList().put().mark().str(keys[0]).put().str(keys[1]).put().op('e').stop().bytes());
        ByteBuffer s = ByteBuffer.allocate(8 + 24 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        s.putLong(6);
        for (int i = 0; i < 6; i++) s.putFloat(i + 1);
        s.putLong(2).putFloat(-1).putFloat(-2);
        byte[] data = s.array();
        b.write(data, 0, truncateLastStorage ? data.length - 3 : data.length);
        return b.toByteArray();
    }

    @Test
    void readsALegacyStateDict() throws Exception {
        Path f = dir.resolve("vgg-like.pth");
        Files.write(f, legacyVggLike(false));
        try (WeightSource w = WeightSources.open(f)) {
            assertInstanceOf(TorchLegacyFile.class, w);
            assertEquals(List.of("features.0.weight", "features.0.bias"), w.names());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, TorchZipFileTest.floats(w.bytes("features.0.weight")));
            assertArrayEquals(new float[]{-1, -2}, TorchZipFileTest.floats(w.bytes("features.0.bias")));
            assertArrayEquals(new long[]{2, 3}, w.info("features.0.weight").shape());
            assertEquals("torch-legacy", w.metadata().get("format"));
        }
    }

    @Test
    void truncatedLegacyStorageIsAOneLineError() throws Exception {
        Path f = dir.resolve("cut.pth");
        Files.write(f, legacyVggLike(true));
        WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> WeightSources.open(f).close());
        assertTrue(e.getMessage().contains("truncated inside storage '94183621035520'"), e.getMessage());
    }
}
