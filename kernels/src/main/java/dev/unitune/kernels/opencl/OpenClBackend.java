package dev.unitune.kernels.opencl;

import dev.unitune.kernels.DeviceBackend;
import dev.unitune.tensor.BackendUnavailableException;

/** The OpenCL backend: {@link DeviceBackend} on an {@link OpenClDevice}. */
public final class OpenClBackend extends DeviceBackend {
    private final OpenClDevice device;

    private OpenClBackend(OpenClDevice device) {
        super(device);
        this.device = device;
    }

    /** Builds one kernel family's program now (tests use it to check every family compiles). */
    public void compile(String family) { device.compile(family); }

    public static OpenClBackend create() throws BackendUnavailableException { return new OpenClBackend(OpenClDevice.open()); }

    @Override public String name() { return "opencl"; }
}
