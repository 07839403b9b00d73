package dev.unitune.kernels;

/** Golden PyTorch op cases on OpenCL. */
class GoldenOpsOpenClTest extends GoldenOpsContract {
    @Override DeviceBackend device() { return DeviceBackends.openClOrSkip(); }
}
