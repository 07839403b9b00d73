package dev.unitune.kernels;

import dev.unitune.kernels.device.DeviceBuffer;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Storage;

import java.lang.ref.Cleaner;

/**
 * A storage in device memory; registered with the current {@link MemoryScope} and freed
 * deterministically by {@link #free()} (a scope's close, or Tensor.close()). As a safety net, a storage
 * that becomes unreachable without being freed is released by a {@link Cleaner} after garbage collection,
 * so code that forgets a scope leaks only until the next GC rather than for the life of the process.
 */
public final class DeviceStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final DeviceBuffer buffer;
    private final Cleaner.Cleanable cleanable;

    DeviceStorage(DeviceBackend owner, DType dtype, long length, DeviceBuffer buffer) {
        super(owner, dtype, length);
        this.buffer = buffer;
        this.cleanable = CLEANER.register(this, new Release(owner, buffer));
        MemoryScope.register(this);
    }

    public DeviceBuffer buffer() {
        checkLive();
        return buffer;
    }

    @Override
    protected void release() { cleanable.clean(); } // runs Release at most once, whoever comes first

    /** Frees the buffer; holds no reference to the storage, so the storage can become unreachable. */
    private record Release(DeviceBackend owner, DeviceBuffer buffer) implements Runnable {
        @Override public void run() { owner.releaseBuffer(buffer); }
    }
}
