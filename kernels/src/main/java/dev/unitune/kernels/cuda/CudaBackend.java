package dev.unitune.kernels.cuda;

import dev.unitune.kernels.DeviceBackend;
import dev.unitune.tensor.BackendUnavailableException;

/** The CUDA backend: {@link DeviceBackend} on a {@link CudaDevice} (driver API + committed PTX). */
public final class CudaBackend extends DeviceBackend {
    private CudaBackend(CudaDevice device) { super(device); }

    public static CudaBackend create() throws BackendUnavailableException { return new CudaBackend(CudaDevice.open()); }

    @Override public String name() { return "cuda"; }

    /**
     * mma.sync tensor cores exist from sm_80, which CudaDevice requires. -Dunitune.cuda.tensorCores=false
     * routes F16/BF16 matmul and conv through the F32 kernels instead (to tell a tensor-core bug apart).
     */
    @Override protected boolean tensorCoreGemm() { return !"false".equalsIgnoreCase(System.getProperty("unitune.cuda.tensorCores")); }
}
