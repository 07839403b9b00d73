package dev.unitune.tensor;

/**
 * Discovered with {@link java.util.ServiceLoader} so the tensor module does not depend on the GPU
 * backends: the kernels module registers OpenCL and CUDA providers in META-INF/services.
 */
public interface BackendProvider {
    /** "cpu", "opencl", "cuda". */
    String name();

    /** Higher wins in auto selection (CUDA 300 > OpenCL 200 > CPU 100). */
    int priority();

    /**
     * Creates the backend, or throws {@link BackendUnavailableException} with a one-line reason
     * (no driver, no platform, no device) — never lets a native error escape.
     */
    Backend create() throws BackendUnavailableException;
}
