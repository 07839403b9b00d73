package dev.unitune.kernels;

import dev.unitune.kernels.cuda.CudaProvider;
import dev.unitune.kernels.opencl.OpenClProvider;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BackendProvider;
import dev.unitune.tensor.BackendUnavailableException;
import dev.unitune.tensor.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

/** The providers are discoverable, ordered CUDA > OpenCL > CPU, and explain unavailability in one line. */
class ProviderSelectionTest {
    @Test
    void providersAreRegisteredWithTheirPriorities() {
        List<String> names = ServiceLoader.load(BackendProvider.class).stream().map(p -> p.get().name()).toList();
        assertTrue(names.containsAll(List.of("cuda", "opencl")), "service providers found: " + names);
        assertEquals(300, new CudaProvider().priority());
        assertEquals(200, new OpenClProvider().priority());
    }

    @Test
    void everyUnavailableBackendHasAOneLineReason() {
        for (Backends.Probe p : Backends.probeAll()) {
            if (p.available()) continue;
            assertNotNull(p.unavailableReason(), p.name());
            assertFalse(p.unavailableReason().isBlank() || p.unavailableReason().contains("\n"),
                    p.name() + " reason must be one line: " + p.unavailableReason());
        }
    }

    @Test
    void cudaWithoutADriverIsAClearMessageNotACrash() {
        try {
            Backend b = new CudaProvider().create();
            assertEquals("cuda", b.name()); // a GPU machine: the backend opens
            assertTrue(b.preferredOverCpu());
        } catch (BackendUnavailableException e) {
            assertTrue(e.getMessage().toLowerCase().contains("cuda"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            IllegalStateException ex = assertThrows(IllegalStateException.class, () -> Backends.select("cuda"));
            assertTrue(ex.getMessage().contains("not available"), ex.getMessage());
        }
    }

    @Test
    void openClOnACpuDeviceIsNotPreferredOverTheJavaBackend() {
        DeviceBackend cl = DeviceBackends.openClOrSkip();
        assertEquals("opencl", cl.name());
        assertFalse(cl.description().isBlank());
        if (cl.description().contains("(CPU device)")) {
            assertFalse(cl.preferredOverCpu(), "PoCL-style CPU device must not win auto selection");
            boolean cudaUp = Backends.probeAll().stream().anyMatch(p -> p.name().equals("cuda") && p.available());
            if (!cudaUp) assertEquals("cpu", Backends.select("auto").name());
        }
        assertEquals("opencl", Backends.select("opencl").name());
        assertTrue(cl.hostFallbackOps().contains("indexAdd"));
    }
}
