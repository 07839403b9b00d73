package dev.unitune.kernels.device;

/**
 * The few things {@link dev.unitune.kernels.DeviceBackend} needs from a compute API: memory, copies and
 * kernel launches. OpenCL and CUDA implement it; every tensor op is written once on top of it.
 *
 * <p>Launch geometry is CUDA style (grid of blocks of threads). Kernel arguments are {@link DeviceBuffer},
 * Integer, Long, Float, Double, {@link ViewArg} or int[] (structs of ints passed by value), in the kernel's parameter order.
 * Kernels are named by family (the .cu file) and function name.
 */
public interface DeviceApi extends AutoCloseable {
    /** "opencl" or "cuda". */
    String apiName();

    /** Device name, memory and compute units, one line. */
    String description();

    /** True when the device is the host CPU (e.g. PoCL), where the Java CPU backend is faster. */
    boolean isCpuDevice();

    DeviceBuffer alloc(long bytes);

    void free(DeviceBuffer buffer);

    /** Copies a whole primitive array (float[], short[], int[], long[], byte[], double[]) to the buffer at byteOffset. */
    void write(DeviceBuffer dst, long byteOffset, Object hostArray);

    /** Fills a whole primitive array from the buffer starting at byteOffset; blocks until done. */
    void read(DeviceBuffer src, long byteOffset, Object hostArray);

    /** Copies bytes between buffers on the device. */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes);

    void launch(String family, String kernel, int[] grid, int[] block, Object... args);

    void synchronize();

    @Override
    void close();
}
