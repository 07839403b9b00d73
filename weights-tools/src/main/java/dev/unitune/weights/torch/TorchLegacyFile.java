package dev.unitune.weights.torch;

import dev.unitune.weights.WeightsFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pre-1.6 torch.save format (the old torchvision model files such as vgg16-397923af.pth use it): a
 * sequence of pickles (magic number, protocol version 1001, sys_info, the object, the sorted storage
 * keys) followed by each storage as an int64 element count and its raw bytes. The same restricted
 * unpickler reads every pickle; nothing is executed.
 */
public final class TorchLegacyFile extends TorchCheckpoint {
    /** pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2). */
    static final byte[] MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20,
            0x6a, (byte) 0xa8, 0x50, 0x19, '.'};

    private final ByteBuffer file;
    private final Map<String, Long> dataOffsets;

    private TorchLegacyFile(Path path, Index index, ByteBuffer file, Map<String, Long> dataOffsets) {
        super(path, index);
        this.file = file;
        this.dataOffsets = dataOffsets;
    }

    public static TorchLegacyFile open(Path path) {
        return open(path, PickleLimits.DEFAULT);
    }

    public static TorchLegacyFile open(Path path, PickleLimits limits) {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE - 8)
                throw new WeightsFormatException(path + ": legacy (pre-1.6) torch files over 2 GB are not supported; re-save with torch>=1.6");
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new WeightsFormatException(path + ": cannot open: " + e.getMessage(), e);
        }
        if (buf.limit() < MAGIC.length || !Arrays.equals(bytesAt(buf, 0, MAGIC.length), MAGIC))
            throw new WeightsFormatException(path + ": unsupported legacy format (no torch magic number), re-save with torch>=1.6");
        buf.position(MAGIC.length);
        String label = path + " (legacy)";
        Object version = new RestrictedUnpickler(buf, label, limits, pid -> { throw noPid(path); }).load();
        if (!(version instanceof Long v) || v != 1001)
            throw new WeightsFormatException(path + ": unsupported legacy format protocol " + describe(version) + ", re-save with torch>=1.6");
        Object sysInfo = new RestrictedUnpickler(buf, label, limits, pid -> { throw noPid(path); }).load();
        if (sysInfo instanceof Map<?, ?> si && Boolean.FALSE.equals(si.get("little_endian")))
            throw new WeightsFormatException(path + ": saved on a big-endian machine; only little-endian checkpoints are supported");

        Map<String, PyValues.StorageRef> storages = new HashMap<>();
        Object root = new RestrictedUnpickler(buf, label, limits, pid -> {
            if (pid.size() != 6 || pid.get(5) != null)
                throw new WeightsFormatException(path + ": storage views in legacy checkpoints are not supported, re-save with torch>=1.6");
            PyValues.StorageRef ref = TorchZipFile.storageRef(path, pid);
            PyValues.StorageRef before = storages.putIfAbsent(ref.key(), ref);
            if (before != null && !before.equals(ref))
                throw new WeightsFormatException(path + ": storage '" + ref.key() + "' declared twice with different types or sizes");
            return before != null ? before : ref;
        }).load();
        Object keys = new RestrictedUnpickler(buf, label, limits, pid -> { throw noPid(path); }).load();
        if (!(keys instanceof List<?> keyList))
            throw new WeightsFormatException(path + ": storage key list is a " + RestrictedUnpickler.typeName(keys));

        Map<String, Long> offsets = new HashMap<>();
        long pos = buf.position();
        for (Object k : keyList) {
            if (!(k instanceof String key) || !storages.containsKey(key) || offsets.containsKey(key))
                throw new WeightsFormatException(path + ": storage key list names an unknown or repeated storage");
            PyValues.StorageRef ref = storages.get(key);
            if (pos + 8 > buf.limit()) throw new WeightsFormatException(path + ": truncated before storage '" + key + "'");
            long numel = buf.getLong((int) pos);
            if (numel != ref.numel())
                throw new WeightsFormatException(path + ": storage size mismatch: storage '" + key + "' holds " + numel
                        + " elements but the pickle declares " + ref.numel());
            long bytes = Math.multiplyExact(numel, ref.dtype().byteSize());
            if (pos + 8 + bytes > buf.limit())
                throw new WeightsFormatException(path + ": truncated inside storage '" + key + "' (needs " + bytes + " bytes)");
            offsets.put(key, pos + 8);
            pos += 8 + bytes;
        }
        if (offsets.size() != storages.size())
            throw new WeightsFormatException(path + ": " + (storages.size() - offsets.size()) + " storages referenced by tensors have no data");
        return new TorchLegacyFile(path, index(path, root, "torch-legacy"), buf, offsets);
    }

    private static WeightsFormatException noPid(Path path) {
        return new WeightsFormatException(path + ": unexpected persistent id outside the main pickle");
    }

    private static String describe(Object o) {
        return o instanceof Long l ? String.valueOf(l) : RestrictedUnpickler.typeName(o);
    }

    private static byte[] bytesAt(ByteBuffer b, int pos, int n) {
        byte[] out = new byte[n];
        b.get(pos, out, 0, n);
        return out;
    }

    @Override
    protected ByteBuffer storageBytes(PyValues.StorageRef storage) {
        long off = dataOffsets.get(storage.key());
        return file.slice((int) off, (int) (storage.numel() * storage.dtype().byteSize()));
    }

    @Override
    public void close() {
        // the map is released by the GC (Java 17 has no public unmap)
    }
}
