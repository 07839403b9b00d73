package dev.unitune.weights;

import java.util.Arrays;

/**
 * What a file says about one tensor, before any byte of it is read.
 *
 * @param dtype    the safetensors dtype string ("F32", "I64", "BF16", ...), also used for torch files
 * @param shape    the dims, row-major (empty for a scalar)
 * @param byteSize bytes the tensor occupies when stored contiguously
 */
public record TensorInfo(String name, String dtype, long[] shape, long byteSize) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public WeightDType weightDType() { return WeightDType.parse(dtype); }

    public String shapeString() { return Arrays.toString(shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape) && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() { return name + " " + dtype + " " + shapeString(); }
}
