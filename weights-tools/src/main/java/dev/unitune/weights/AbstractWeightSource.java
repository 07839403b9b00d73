package dev.unitune.weights;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The part every reader shares: an ordered index of {@link TensorInfo}s and decoding into tensors. */
public abstract class AbstractWeightSource implements WeightSource {
    protected final Path path;
    private final LinkedHashMap<String, TensorInfo> index;
    private final Map<String, String> metadata;
    private final List<String> names;

    protected AbstractWeightSource(Path path, LinkedHashMap<String, TensorInfo> index, Map<String, String> metadata) {
        this.path = path;
        this.index = index;
        this.metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata)); // keeps file order
        this.names = List.copyOf(index.keySet());
    }

    @Override public Path path() { return path; }
    @Override public List<String> names() { return names; }
    @Override public Map<String, String> metadata() { return metadata; }
    @Override public boolean contains(String name) { return index.containsKey(name); }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = index.get(name);
        if (t == null) throw new WeightsFormatException(path + ": no tensor named '" + name + "'");
        return t;
    }

    @Override
    public Tensor load(String name, Backend backend) {
        return loadAs(name, backend, info(name).weightDType().naturalTensorType());
    }

    @Override
    public Tensor loadAs(String name, Backend backend, DType dtype) {
        TensorInfo t = info(name);
        int[] shape = intShape(t);
        int numel = 1;
        for (int d : shape) numel *= d; // checked by intShape
        Object host = TensorDecoder.decode(bytes(name), t.weightDType(), numel, dtype, path + ": tensor '" + name + "'");
        return backend.adoptHost(host, dtype, shape); // host is a fresh array nobody else holds
    }

    /** The shape as ints, refusing tensors beyond the tensor core's 2^31-1 elements with a clear error. */
    protected int[] intShape(TensorInfo t) {
        long[] s = t.shape();
        int[] out = new int[s.length];
        long n = 1;
        for (int i = 0; i < s.length; i++) {
            n *= s[i];
            if (s[i] > Integer.MAX_VALUE || n > Integer.MAX_VALUE - 8)
                throw new WeightsFormatException(path + ": tensor '" + t.name() + "' shape " + t.shapeString()
                        + " has more elements than a tensor can hold (2^31-1)");
            out[i] = (int) s[i];
        }
        return out;
    }
}
