package dev.unitune.kernels.device;

/**
 * One device allocation: the API's native handle (cl_mem, CUdeviceptr) and its size in bytes. Buffers of
 * zero requested bytes still get a small native allocation, because OpenCL refuses empty buffers.
 */
public final class DeviceBuffer {
    private final Object handle;
    private final long bytes;

    public DeviceBuffer(Object handle, long bytes) {
        this.handle = handle;
        this.bytes = bytes;
    }

    /** The API's native handle; only that API's implementation looks inside. */
    public Object handle() { return handle; }

    /** Requested size in bytes (what allocatedBytes() counts). */
    public long bytes() { return bytes; }
}
