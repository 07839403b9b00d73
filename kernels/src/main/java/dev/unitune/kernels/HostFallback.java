package dev.unitune.kernels;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.Tensor;

/**
 * Runs an op as host copy + CPU op + copy back, for the few ops that are on no hot path (listed by
 * {@link Backend#hostFallbackOps()}). The CPU tensors are plain Java arrays, so nothing needs freeing.
 */
final class HostFallback {
    private HostFallback() {}

    static Tensor toCpu(Tensor t) {
        if (t == null) return null;
        Backend b = t.backend();
        return Backends.cpu().fromHost(b.toHost(t), t.dtype(), t.shape());
    }

    static Tensor toDevice(Backend device, Tensor cpuResult) {
        if (cpuResult == null) return null;
        return device.fromHost(cpuResult.backend().toHost(cpuResult), cpuResult.dtype(), cpuResult.shape());
    }
}
