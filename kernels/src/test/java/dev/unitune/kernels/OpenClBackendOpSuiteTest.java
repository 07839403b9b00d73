package dev.unitune.kernels;

/** The shared BackendOpSuite on OpenCL (PoCL in CI). */
class OpenClBackendOpSuiteTest extends DeviceBackendOpSuiteContract {
    @Override DeviceBackend device() { return DeviceBackends.openClOrSkip(); }
}
