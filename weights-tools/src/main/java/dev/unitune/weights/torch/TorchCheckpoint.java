package dev.unitune.weights.torch;

import dev.unitune.weights.AbstractWeightSource;
import dev.unitune.weights.ByteRange;
import dev.unitune.weights.TensorInfo;
import dev.unitune.weights.WeightsFormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of an unpickled torch checkpoint (zip or legacy). The state dict is the top-level dict, or
 * its "state_dict" entry (Lightning checkpoints); nested dicts flatten to dotted names. Every view is
 * checked to stay inside its storage before the source is returned.
 */
public abstract class TorchCheckpoint extends AbstractWeightSource {
    private static final int MAX_DICT_NESTING = 64;

    private final Map<String, PyValues.TensorRef> tensors;

    protected TorchCheckpoint(Path path, Index index) {
        super(path, index.infos, index.metadata);
        this.tensors = index.tensors;
    }

    /** What the constructor needs, built by {@link #index}. */
    protected static final class Index {
        final LinkedHashMap<String, TensorInfo> infos = new LinkedHashMap<>();
        final LinkedHashMap<String, PyValues.TensorRef> tensors = new LinkedHashMap<>();
        final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
    }

    /** The bytes of a whole storage, exactly numel x element size (the reader checked the size). */
    protected abstract ByteBuffer storageBytes(PyValues.StorageRef storage);

    protected static Index index(Path path, Object root, String format) {
        Index ix = new Index();
        ix.metadata.put("format", format);
        if (!(root instanceof Map<?, ?> top))
            throw new WeightsFormatException(path + ": top-level object is a " + RestrictedUnpickler.typeName(root) + ", expected a dict of tensors");
        Object sd = top.get("state_dict");
        Map<?, ?> start = sd instanceof Map<?, ?> m ? m : top;
        if (start != top) {
            for (Map.Entry<?, ?> e : top.entrySet()) { // epoch, global_step, ... are useful in `weights inspect`
                Object v = e.getValue();
                if (e.getKey() instanceof String k && (v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean))
                    ix.metadata.put(k, String.valueOf(v));
            }
        }
        record Frame(String prefix, Map<?, ?> map, int depth) {}
        ArrayDeque<Frame> todo = new ArrayDeque<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(new Frame("", start, 0));
        seen.add(start);
        while (!todo.isEmpty()) {
            Frame f = todo.pop();
            // Children are visited in order: collect nested dicts and push them in reverse afterwards.
            ArrayDeque<Frame> nested = new ArrayDeque<>();
            for (Map.Entry<?, ?> e : f.map().entrySet()) {
                String key = e.getKey() instanceof String s ? s : String.valueOf(e.getKey());
                String name = f.prefix().isEmpty() ? key : f.prefix() + "." + key;
                if (e.getValue() instanceof PyValues.TensorRef t) {
                    if (ix.infos.containsKey(name)) throw new WeightsFormatException(path + ": tensor '" + name + "' appears twice");
                    ix.infos.put(name, validate(path, name, t));
                    ix.tensors.put(name, t);
                } else if (e.getValue() instanceof Map<?, ?> m && seen.add(m)) {
                    if (f.depth() + 1 > MAX_DICT_NESTING)
                        throw new WeightsFormatException(path + ": dicts nested deeper than " + MAX_DICT_NESTING + " at '" + name + "'");
                    nested.push(new Frame(name, m, f.depth() + 1));
                }
            }
            while (!nested.isEmpty()) todo.push(nested.pop());
        }
        return ix;
    }

    /** Shape, stride and offset must address only elements inside the storage (overflow-checked). */
    private static TensorInfo validate(Path path, String name, PyValues.TensorRef t) {
        String where = path + ": tensor '" + name + "'";
        long[] size = t.size(), stride = t.stride();
        if (t.offset() < 0) throw new WeightsFormatException(where + ": negative storage offset " + t.offset());
        long numel = 1, last = t.offset();
        try {
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0) throw new WeightsFormatException(where + ": negative size " + size[i] + " in dim " + i);
                if (stride[i] < 0) throw new WeightsFormatException(where + ": negative stride " + stride[i] + " in dim " + i);
                numel = Math.multiplyExact(numel, size[i]);
                if (size[i] > 0) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
        } catch (ArithmeticException e) {
            throw new WeightsFormatException(where + ": size " + java.util.Arrays.toString(size) + " / stride "
                    + java.util.Arrays.toString(stride) + " overflow 64 bits");
        }
        if (numel > 0 && last >= t.storage().numel())
            throw new WeightsFormatException(where + ": view (offset " + t.offset() + ", size " + java.util.Arrays.toString(size)
                    + ", stride " + java.util.Arrays.toString(stride) + ") reaches element " + last + " of storage '"
                    + t.storage().key() + "', which holds " + t.storage().numel());
        long bytes;
        try {
            bytes = Math.multiplyExact(numel, t.storage().dtype().byteSize());
        } catch (ArithmeticException e) {
            throw new WeightsFormatException(where + ": byte size overflows 64 bits");
        }
        return new TensorInfo(name, t.storage().dtype().name(), size, bytes);
    }

    @Override
    public ByteRange bytes(String name) {
        info(name);
        PyValues.TensorRef t = tensors.get(name);
        int es = t.storage().dtype().byteSize();
        ByteBuffer storage = storageBytes(t.storage()).order(ByteOrder.LITTLE_ENDIAN);
        long numel = info(name).numel();
        if (numel * es > Integer.MAX_VALUE - 8)
            throw new WeightsFormatException(path + ": tensor '" + name + "' is larger than 2 GB, which torch checkpoints are not read for");
        if (isRowMajor(t.size(), t.stride()) || numel == 0) {
            int from = (int) (t.offset() * es);
            return ByteRange.of(storage.slice(numel == 0 ? 0 : from, (int) (numel * es)));
        }
        // A strided view (e.g. a transposed weight saved as is): gather it into row-major order.
        byte[] out = new byte[(int) (numel * es)];
        long[] size = t.size(), stride = t.stride();
        long[] idx = new long[size.length];
        for (long i = 0; i < numel; i++) {
            long src = t.offset();
            for (int d = 0; d < size.length; d++) src += idx[d] * stride[d];
            storage.get((int) (src * es), out, (int) (i * es), es);
            for (int d = size.length - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) break;
                idx[d] = 0;
            }
        }
        return ByteRange.of(out);
    }

    private static boolean isRowMajor(long[] size, long[] stride) {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) return false;
            expect *= size[i];
        }
        return true;
    }
}
