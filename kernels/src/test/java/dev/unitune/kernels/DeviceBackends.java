package dev.unitune.kernels;

import dev.unitune.kernels.cuda.CudaBackend;
import dev.unitune.kernels.opencl.OpenClBackend;
import dev.unitune.tensor.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;

/**
 * One backend instance per JVM for each API (building OpenCL programs on PoCL is slow, so tests share
 * them), or a skipped test with the one-line reason when the API is unavailable here.
 */
public final class DeviceBackends {
    private static Object openCl, cuda; // backend or reason string

    private DeviceBackends() {}

    public static synchronized OpenClBackend openClOrSkip() {
        if (openCl == null) {
            try {
                openCl = OpenClBackend.create();
            } catch (BackendUnavailableException e) {
                openCl = e.getMessage();
            }
        }
        Assumptions.assumeTrue(openCl instanceof OpenClBackend, () -> "OpenCL unavailable: " + openCl);
        return (OpenClBackend) openCl;
    }

    public static synchronized CudaBackend cudaOrSkip() {
        if (cuda == null) {
            try {
                cuda = CudaBackend.create();
            } catch (BackendUnavailableException e) {
                cuda = e.getMessage();
            }
        }
        Assumptions.assumeTrue(cuda instanceof CudaBackend, () -> "CUDA unavailable (tests skipped): " + cuda);
        return (CudaBackend) cuda;
    }
}
