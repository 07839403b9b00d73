package dev.unitune.kernels.opencl;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BackendProvider;
import dev.unitune.tensor.BackendUnavailableException;

/** ServiceLoader entry for "opencl" (priority 200: above the CPU, below CUDA). */
public final class OpenClProvider implements BackendProvider {
    @Override public String name() { return "opencl"; }
    @Override public int priority() { return 200; }
    @Override public Backend create() throws BackendUnavailableException { return OpenClBackend.create(); }
}
