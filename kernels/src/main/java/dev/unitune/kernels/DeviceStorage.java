package dev.unitune.kernels;

import dev.unitune.kernels.device.DeviceBuffer;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Storage;

/** A storage in device memory; registered with the current {@link MemoryScope} and freed deterministically. */
public final class DeviceStorage extends Storage {
    private final DeviceBuffer buffer;
    private final DeviceBackend owner;

    DeviceStorage(DeviceBackend owner, DType dtype, long length, DeviceBuffer buffer) {
        super(owner, dtype, length);
        this.owner = owner;
        this.buffer = buffer;
        MemoryScope.register(this);
    }

    public DeviceBuffer buffer() {
        checkLive();
        return buffer;
    }

    @Override
    protected void release() { owner.releaseBuffer(buffer); }
}
