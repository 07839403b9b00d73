package dev.unitune.weights;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A readable set of named tensors: one safetensors file, a torch checkpoint, a sharded set, a folder
 * component. Opening reads only the index; a tensor's bytes are read when it is loaded.
 * All errors are {@link WeightsFormatException}s naming the file and the tensor.
 */
public interface WeightSource extends AutoCloseable {
    Path path();

    /** Tensor names in file order. */
    List<String> names();

    /** Dtype, shape and size of one tensor; throws naming the file if there is no such tensor. */
    TensorInfo info(String name);

    /** The {@code __metadata__} (empty if none). */
    Map<String, String> metadata();

    default boolean contains(String name) { return names().contains(name); }

    /**
     * The tensor with its stored dtype where the tensor core has it (F32, F16, BF16, F64, I32, I64, U8,
     * BOOL); FP8 loads as F32, other integers widen (see {@link WeightDType#naturalTensorType()}).
     */
    Tensor load(String name, Backend backend);

    /** The tensor converted to dtype (floats round to nearest even; integers must fit). */
    Tensor loadAs(String name, Backend backend, DType dtype);

    /**
     * The stored bytes (row-major, little-endian, in the stored dtype {@link TensorInfo#dtype()}), for
     * copying a tensor without converting it, and for bit-exact comparisons.
     */
    ByteRange bytes(String name);

    @Override
    void close();
}
