package dev.unitune.weights.torch;

import dev.unitune.weights.WeightsFormatException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the zip format of torch >= 1.6 (.pth, .pt, .ckpt): {@code <prefix>/data.pkl}
 * read by the {@link RestrictedUnpickler}, each storage in {@code <prefix>/data/<key>}. Entry names are
 * whitelisted, duplicates refused, and every storage entry must hold exactly what its pickle declares.
 */
public final class TorchZipFile extends TorchCheckpoint {
    /** The names torch writes; anything else (path traversal, extra files) is refused. */
    private static final Pattern ENTRY = Pattern.compile(
            "^([^/]+)/(data/(\\d+)|version|byteorder|data\\.pkl|\\.format_version|\\.storage_alignment|\\.data/serialization_id|\\.data/version)$");

    private final ZipFile zip;
    private final Map<String, ZipEntry> storages;

    private TorchZipFile(Path path, Index index, ZipFile zip, Map<String, ZipEntry> storages) {
        super(path, index);
        this.zip = zip;
        this.storages = storages;
    }

    public static TorchZipFile open(Path path) {
        return open(path, PickleLimits.DEFAULT);
    }

    public static TorchZipFile open(Path path, PickleLimits limits) {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new WeightsFormatException(path + ": not a readable zip archive: " + e.getMessage());
        } catch (IOException e) {
            throw new WeightsFormatException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            String prefix = null;
            ZipEntry pkl = null, byteorder = null;
            Map<String, ZipEntry> storages = new HashMap<>();
            java.util.Set<String> names = new java.util.HashSet<>();
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                String n = e.getName();
                Matcher m = ENTRY.matcher(n);
                if (!m.matches()) throw new WeightsFormatException(path + ": unexpected zip entry '" + n + "' (not a torch checkpoint file name)");
                if (!names.add(n)) throw new WeightsFormatException(path + ": duplicate zip entry '" + n + "'");
                if (prefix == null) prefix = m.group(1);
                else if (!prefix.equals(m.group(1)))
                    throw new WeightsFormatException(path + ": zip entries under two roots, '" + prefix + "' and '" + m.group(1) + "'");
                if (m.group(2).equals("data.pkl")) pkl = e;
                else if (m.group(2).equals("byteorder")) byteorder = e;
                else if (m.group(3) != null) storages.put(m.group(3), e);
            }
            if (pkl == null) throw new WeightsFormatException(path + ": zip has no data.pkl (not a torch checkpoint)");
            if (byteorder != null) {
                String order = new String(readEntry(zip, byteorder, 16, path), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little"))
                    throw new WeightsFormatException(path + ": byteorder is '" + order + "'; only little-endian checkpoints are supported");
            }
            byte[] pickle = readEntry(zip, pkl, limits.maxPickleBytes(), path);
            Map<String, PyValues.StorageRef> seen = new HashMap<>();
            String label = path + " (" + pkl.getName() + ")";
            String root0 = prefix;
            RestrictedUnpickler u = new RestrictedUnpickler(ByteBuffer.wrap(pickle), label, limits,
                    pid -> persistent(path, pid, storages, seen, root0));
            Object root = u.load();
            return new TorchZipFile(path, index(path, root, "torch-zip"), zip, storages);
        } catch (WeightsFormatException e) {
            closeQuietly(zip);
            throw e;
        } catch (RuntimeException e) { // java.util.zip reports some malformed archives this way (bad names)
            closeQuietly(zip);
            throw new WeightsFormatException(path + ": malformed zip archive: " + e.getMessage(), e);
        }
    }

    /** ('storage', torch.XStorage, key, location, numel): the entry must exist and hold numel elements exactly. */
    static PyValues.StorageRef persistent(Path path, PyValues.Tuple pid, Map<String, ZipEntry> storages,
                                          Map<String, PyValues.StorageRef> seen, String prefix) {
        PyValues.StorageRef ref = storageRef(path, pid);
        ZipEntry e = storages.get(ref.key());
        if (e == null) throw new WeightsFormatException(path + ": storage '" + ref.key() + "' has no zip entry " + prefix + "/data/" + ref.key());
        long want = Math.multiplyExact(ref.numel(), ref.dtype().byteSize());
        if (e.getSize() != want)
            throw new WeightsFormatException(path + ": storage size mismatch: entry '" + e.getName() + "' holds " + e.getSize()
                    + " bytes but the pickle declares " + ref.numel() + " x " + ref.dtype() + " = " + want);
        PyValues.StorageRef before = seen.putIfAbsent(ref.key(), ref);
        if (before != null && !before.equals(ref))
            throw new WeightsFormatException(path + ": storage '" + ref.key() + "' declared twice with different types or sizes");
        return before != null ? before : ref;
    }

    static PyValues.StorageRef storageRef(Path path, PyValues.Tuple pid) {
        if (pid.size() < 5 || !"storage".equals(pid.get(0)))
            throw new WeightsFormatException(path + ": persistent id is not a ('storage', type, key, location, numel) tuple");
        if (!(pid.get(1) instanceof PyValues.StorageType type))
            throw new WeightsFormatException(path + ": persistent id names a " + RestrictedUnpickler.typeName(pid.get(1)) + ", expected a storage class");
        if (!(pid.get(2) instanceof String key) || !(pid.get(3) instanceof String location) || !(pid.get(4) instanceof Long numel) || numel < 0)
            throw new WeightsFormatException(path + ": malformed persistent id for storage of type torch." + type.name());
        return new PyValues.StorageRef(key, type.dtype(), numel, location);
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long cap, Path path) {
        if (e.getSize() > cap || e.getSize() > Integer.MAX_VALUE - 8)
            throw new WeightsFormatException(path + ": zip entry '" + e.getName() + "' is " + e.getSize() + " bytes, over the limit of " + cap);
        try (InputStream in = zip.getInputStream(e)) {
            int want = (int) Math.max(0, e.getSize());
            byte[] b = in.readNBytes(want);
            if (b.length != want || in.read() != -1) // a lying size field (or a zip bomb) must not get further
                throw new WeightsFormatException(path + ": zip entry '" + e.getName() + "' does not hold the " + want + " bytes it declares");
            return b;
        } catch (ZipException ex) {
            throw new WeightsFormatException(path + ": corrupt zip entry '" + e.getName() + "': " + ex.getMessage());
        } catch (IOException ex) {
            throw new WeightsFormatException(path + ": cannot read zip entry '" + e.getName() + "': " + ex.getMessage(), ex);
        }
    }

    /** The last storage read: tensors that are views of one storage (tied or flattened weights) read it once. */
    private String cachedKey;
    private java.lang.ref.SoftReference<byte[]> cached = new java.lang.ref.SoftReference<>(null);

    @Override
    protected synchronized ByteBuffer storageBytes(PyValues.StorageRef storage) {
        byte[] b = storage.key().equals(cachedKey) ? cached.get() : null;
        if (b == null) {
            b = readEntry(zip, storages.get(storage.key()), Integer.MAX_VALUE - 8, path);
            cachedKey = storage.key();
            cached = new java.lang.ref.SoftReference<>(b);
        }
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
    }

    @Override
    public void close() { closeQuietly(zip); }

    private static void closeQuietly(ZipFile z) {
        try {
            z.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
