package dev.unitune.kernels;

/** The device op contract on CUDA; skipped with the driver's one-line reason where there is no GPU. */
class CudaOpsTest extends DeviceOpsContract {
    @Override DeviceBackend device() { return DeviceBackends.cudaOrSkip(); }
}
