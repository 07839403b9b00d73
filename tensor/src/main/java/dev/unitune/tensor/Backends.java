package dev.unitune.tensor;

import dev.unitune.tensor.cpu.CpuBackend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds and selects backends. Selection order: an explicit name (the --backend flag), then the
 * {@code unitune.backend} system property, then the {@code UNITUNE_BACKEND} environment variable, then
 * auto: the highest-priority backend that is available and {@link Backend#preferredOverCpu() preferred
 * over the CPU}, else the CPU.
 */
public final class Backends {
    private static final Map<String, Object> CACHE = new LinkedHashMap<>(); // name -> Backend or reason String

    private Backends() {}

    public static CpuBackend cpu() { return CpuBackend.instance(); }

    /** One entry per known backend: the backend, or why it is unavailable. */
    public record Probe(String name, int priority, Backend backend, String unavailableReason) {
        public boolean available() { return backend != null; }
    }

    public static synchronized List<Probe> probeAll() {
        List<BackendProvider> providers = new ArrayList<>();
        providers.add(new BackendProvider() {
            public String name() { return "cpu"; }
            public int priority() { return 100; }
            public Backend create() { return cpu(); }
        });
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) providers.add(p);
        providers.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        List<Probe> out = new ArrayList<>();
        for (BackendProvider p : providers) {
            Object cached = CACHE.computeIfAbsent(p.name(), n -> {
                try {
                    return p.create();
                } catch (BackendUnavailableException e) {
                    return e.getMessage();
                } catch (Throwable t) { // a native library that fails to link must not crash the tool
                    return t.getClass().getSimpleName() + ": " + t.getMessage();
                }
            });
            out.add(cached instanceof Backend b ? new Probe(p.name(), p.priority(), b, null)
                    : new Probe(p.name(), p.priority(), null, (String) cached));
        }
        return out;
    }

    /** The backend the user asked for (explicit, property, env) or the auto choice. */
    public static Backend select(String explicit) {
        String want = explicit;
        if (want == null || want.isBlank()) want = System.getProperty("unitune.backend");
        if (want == null || want.isBlank()) want = System.getenv("UNITUNE_BACKEND");
        if (want == null || want.isBlank() || want.equalsIgnoreCase("auto")) return auto();
        String w = want.toLowerCase(Locale.ROOT);
        for (Probe p : probeAll()) {
            if (p.name().equals(w)) {
                if (p.available()) return p.backend();
                throw new IllegalStateException("backend '" + w + "' is not available: " + p.unavailableReason());
            }
        }
        throw new IllegalArgumentException("unknown backend '" + want + "' (known: cpu, opencl, cuda, auto)");
    }

    public static Backend select() { return select(null); }

    private static Backend auto() {
        for (Probe p : probeAll()) if (p.available() && p.backend().preferredOverCpu()) return p.backend();
        return cpu();
    }
}
