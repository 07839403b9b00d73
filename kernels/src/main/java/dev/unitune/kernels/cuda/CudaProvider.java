package dev.unitune.kernels.cuda;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BackendProvider;
import dev.unitune.tensor.BackendUnavailableException;

/** ServiceLoader entry for "cuda" (priority 300: preferred whenever a driver and device exist). */
public final class CudaProvider implements BackendProvider {
    @Override public String name() { return "cuda"; }
    @Override public int priority() { return 300; }
    @Override public Backend create() throws BackendUnavailableException { return CudaBackend.create(); }
}
