package dev.unitune.app.cli;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** `unitune info`: what this machine offers — JVM, Vector API species, cores, and every backend or why it is missing. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the JVM, the Vector API species, the cores and the backends found.")
public final class InfoCommand implements Callable<Integer> {
    @Option(names = "--ops", description = "Also list, per backend, the ops that run as host copy + CPU op.")
    boolean ops;

    @Override
    public Integer call() {
        System.out.printf("unitune     0.1.0-SNAPSHOT%n");
        System.out.printf("jvm         %s %s (%s)%n", System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.home"));
        System.out.printf("vector api  %s%n", vectorSpecies());
        System.out.printf("cores       %d (threads used: %s)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("unitune.threads", "all"));
        System.out.printf("max heap    %d MiB%n", Runtime.getRuntime().maxMemory() >> 20);
        Backend chosen = null;
        try {
            chosen = Backends.select();
        } catch (RuntimeException e) {
            System.out.printf("selection   %s%n", e.getMessage());
        }
        System.out.println("backends:");
        for (Backends.Probe p : Backends.probeAll()) {
            String mark = chosen != null && p.backend() == chosen ? "*" : " ";
            if (p.available()) {
                System.out.printf(" %s %-7s available    %s%n", mark, p.name(), p.backend().description());
                if (ops) {
                    var fallbacks = p.backend().hostFallbackOps();
                    System.out.printf("   %-7s host-fallback ops: %s%n", "", fallbacks.isEmpty() ? "none" : String.join(", ", fallbacks));
                }
            } else {
                System.out.printf("   %-7s unavailable  %s%n", p.name(), p.unavailableReason());
            }
        }
        System.out.println("(* = selected; choose with --backend, -Dunitune.backend or UNITUNE_BACKEND)");
        return 0;
    }

    /** The preferred float species, or why the Vector API is not usable (module not added). */
    private static String vectorSpecies() {
        try {
            Class<?> fv = Class.forName("jdk.incubator.vector.FloatVector");
            Object species = fv.getField("SPECIES_PREFERRED").get(null);
            return species + " (jdk.incubator.vector)";
        } catch (ReflectiveOperationException | LinkageError e) {
            return "not available (run with --add-modules jdk.incubator.vector): " + e.getClass().getSimpleName();
        }
    }
}
