package dev.unitune.kernels.device;

import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A strided view passed to kernels by value; mirrors the {@code View} struct of unitune_dialect.h
 * (8 shape ints, 8 stride ints, rank, offset; all in elements). Dims are coalesced first (size-1 dims
 * dropped, row-major-adjacent dims merged), which keeps flat row-major order and shortens the index math.
 */
public record ViewArg(int[] shape, int[] strides, int offset) {
    public static final int MAX_RANK = 8;
    public static final int BYTES = (2 * MAX_RANK + 2) * 4;

    public static ViewArg of(Tensor t) { return of(t.shape(), t.strides(), t.offset()); }

    public static ViewArg of(int[] shape, int[] strides, int offset) {
        int[] s = new int[shape.length], st = new int[shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && st[r - 1] == strides[d] * shape[d]) { // merge with the previous kept dim
                s[r - 1] *= shape[d];
                st[r - 1] = strides[d];
            } else {
                s[r] = shape[d];
                st[r] = strides[d];
                r++;
            }
        }
        if (r > MAX_RANK)
            throw new IllegalArgumentException("view " + Shape.str(shape) + " strides " + Shape.str(strides)
                    + " has more than " + MAX_RANK + " non-mergeable dims");
        return new ViewArg(Arrays.copyOf(s, r), Arrays.copyOf(st, r), offset);
    }

    /** The view exactly as the tensor has it (no coalescing), for kernels that index dims by position. */
    public static ViewArg raw(Tensor t) {
        if (t.rank() > MAX_RANK) throw new IllegalArgumentException("tensor " + t + " has more than " + MAX_RANK + " dims");
        return new ViewArg(t.shape(), t.strides(), t.offset());
    }

    /** Contiguous view of a shape at an offset. */
    public static ViewArg contiguous(int offset, int... shape) { return of(shape, Shape.contiguousStrides(shape), offset); }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < MAX_RANK; d++) b.putInt(d < shape.length ? shape[d] : 1);
        for (int d = 0; d < MAX_RANK; d++) b.putInt(d < strides.length ? strides[d] : 0);
        b.putInt(shape.length);
        b.putInt(offset);
        return b.array();
    }
}
