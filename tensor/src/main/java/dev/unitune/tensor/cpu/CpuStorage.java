package dev.unitune.tensor.cpu;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Storage;

/**
 * Host storage as a plain Java array: float[] F32, double[] F64, short[] F16/BF16 (raw bits), int[] I32,
 * long[] I64, byte[] U8/BOOL.
 *
 * <p>Why arrays and not off-heap buffers: the Vector API loads and stores straight from arrays
 * ({@code FloatVector.fromArray}) with bounds checks the JIT hoists, the fast kernels index them without
 * address arithmetic, and the garbage collector frees host memory as soon as the last view is dropped, so
 * a long forward pass never keeps dead activations alive. Deterministic freeing matters for device memory,
 * which the GPU backends track through {@link dev.unitune.tensor.MemoryScope}; host arrays are
 * deliberately not registered there (see MemoryScope). {@link #free()} only drops the reference.
 */
public final class CpuStorage extends Storage {
    private Object array;

    CpuStorage(Backend backend, DType dtype, Object array, int length) {
        super(backend, dtype, length);
        this.array = array;
    }

    /** The backing array (throws if freed). Callers must not write into the storage of an op's input. */
    public Object array() {
        checkLive();
        return array;
    }

    @Override
    protected void release() { array = null; }

    /** A zero-filled array of the class the dtype uses. */
    static Object newArray(DType dtype, int n) { return dev.unitune.tensor.HostArray.allocate(dtype, n); }
}
