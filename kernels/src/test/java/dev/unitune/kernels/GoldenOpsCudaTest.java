package dev.unitune.kernels;

/** Golden PyTorch op cases on CUDA; skipped where there is no GPU. */
class GoldenOpsCudaTest extends GoldenOpsContract {
    @Override DeviceBackend device() { return DeviceBackends.cudaOrSkip(); }
}
