package dev.unitune.kernels;

/** The device op contract on OpenCL (PoCL in CI). */
class OpenClOpsTest extends DeviceOpsContract {
    @Override DeviceBackend device() { return DeviceBackends.openClOrSkip(); }
}
