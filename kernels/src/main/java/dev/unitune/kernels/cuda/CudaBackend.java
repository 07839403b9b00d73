package dev.unitune.kernels.cuda;

import dev.unitune.kernels.DeviceBackend;
import dev.unitune.tensor.BackendUnavailableException;

/** The CUDA backend: {@link DeviceBackend} on a {@link CudaDevice} (driver API + committed PTX). */
public final class CudaBackend extends DeviceBackend {
    private CudaBackend(CudaDevice device) { super(device); }

    public static CudaBackend create() throws BackendUnavailableException { return new CudaBackend(CudaDevice.open()); }

    @Override public String name() { return "cuda"; }

    /** mma.sync tensor cores exist from sm_80, which CudaDevice requires. */
    @Override protected boolean tensorCoreGemm() { return true; }
}
