package dev.unitune.kernels;

import dev.unitune.tensor.DType;

/** The shared BackendOpSuite on CUDA; skipped with the driver's one-line reason where there is no GPU. */
class CudaBackendOpSuiteTest extends DeviceBackendOpSuiteContract {
    @Override DeviceBackend device() { return DeviceBackends.cudaOrSkip(); }

    @Override int examples(DType dt) { return dt == DType.F32 ? 20 : 8; }
}
