package dev.unitune.weights.torch;

import dev.unitune.weights.WeightDType;

import java.util.List;

/**
 * The Java values the restricted unpickler builds. Python ints are Long, floats Double, str String,
 * bytes byte[], bool Boolean, None null, list ArrayList, dict LinkedHashMap; the rest are these records.
 */
final class PyValues {
    private PyValues() {}

    /** An immutable Python tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) { return items.get(i); }
        int size() { return items.size(); }
    }

    /** A GLOBAL that was allowed, not yet called. */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** An object of a known-harmless class (Lightning callbacks, numpy scalars): kept inert, never built. */
    record Placeholder(String qualifiedName) {}

    /** A torch storage class (torch.FloatStorage, ...) and the element type it holds. */
    record StorageType(String name, WeightDType dtype) {}

    /** An empty Python set (nothing can be added: ADDITEMS is not an allowed opcode). */
    record EmptySet() {}

    /** A torch dtype object such as torch.float16. */
    record TorchDtype(String name) {}

    /** A storage reference from a persistent id: the zip entry (or legacy key) holding numel elements. */
    record StorageRef(String key, WeightDType dtype, long numel, String location) {}

    /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...), validated against the storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}
}
