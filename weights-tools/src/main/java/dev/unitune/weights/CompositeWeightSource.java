package dev.unitune.weights;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several sources seen as one, each tensor under a (possibly new) name: the shards of a sharded
 * checkpoint, or the components of a diffusers folder under "unet.", "vae.", ... prefixes.
 */
public class CompositeWeightSource implements WeightSource {
    /** Where a tensor lives: the source and its name there. */
    public record Ref(WeightSource source, String name) {}

    private final Path path;
    private final LinkedHashMap<String, Ref> refs;
    private final Map<String, String> metadata;
    private final List<WeightSource> owned;
    private final List<String> names;

    /** @param owned the sources this one closes */
    public CompositeWeightSource(Path path, LinkedHashMap<String, Ref> refs, Map<String, String> metadata, List<WeightSource> owned) {
        this.path = path;
        this.refs = refs;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.owned = List.copyOf(owned);
        this.names = List.copyOf(refs.keySet());
    }

    private Ref ref(String name) {
        Ref r = refs.get(name);
        if (r == null) throw new WeightsFormatException(path + ": no tensor named '" + name + "'");
        return r;
    }

    @Override public Path path() { return path; }
    @Override public List<String> names() { return names; }
    @Override public Map<String, String> metadata() { return metadata; }
    @Override public boolean contains(String name) { return refs.containsKey(name); }

    @Override
    public TensorInfo info(String name) {
        Ref r = ref(name);
        TensorInfo t = r.source().info(r.name());
        return new TensorInfo(name, t.dtype(), t.shape(), t.byteSize());
    }

    /** The underlying source and name of a tensor (for messages naming the real file). */
    public Ref where(String name) { return ref(name); }

    @Override public Tensor load(String name, Backend backend) { Ref r = ref(name); return r.source().load(r.name(), backend); }
    @Override public Tensor loadAs(String name, Backend backend, DType dtype) { Ref r = ref(name); return r.source().loadAs(r.name(), backend, dtype); }
    @Override public ByteRange bytes(String name) { Ref r = ref(name); return r.source().bytes(r.name()); }

    @Override
    public void close() {
        for (WeightSource s : owned) s.close();
    }
}
