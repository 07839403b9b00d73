package dev.unitune.tensor.testing;

import org.quicktheories.QuickTheory;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Runs a property on QuickTheories. A property is a plain Java body of (seed, size): the body builds its
 * case from a {@link TensorGen}(seed, size) and throws on failure, so the same body can be driven by any
 * framework. QuickTheories draws (seed, size) pairs, and on failure shrinks them (size towards 1, seed
 * towards 0) and reports the smallest failing pair; the message also names the run's own seed, to replay
 * the run with {@code -Dunitune.seed=...}.
 */
public final class Property {
    private Property() {}

    /** The body of a property: must throw (any Throwable) when the property does not hold for (seed, size). */
    @FunctionalInterface
    public interface Body { void run(long seed, int size) throws Exception; }

    /** The run seed: -Dunitune.seed when given, else a fixed default so CI runs are repeatable. */
    public static long runSeed() {
        String s = System.getProperty("unitune.seed");
        if (s == null || s.isBlank()) return 0x5EED_2026L;
        try { return Long.decode(s.trim()); } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dunitune.seed must be an integer, got '" + s + "'");
        }
    }

    /** Examples per property: -Dunitune.examples overrides the caller's count (e.g. for a long soak run). */
    public static int examples(int dflt) {
        String s = System.getProperty("unitune.examples");
        return s == null || s.isBlank() ? dflt : Integer.parseInt(s.trim());
    }

    public static void check(String name, int examples, int maxSize, Body body) {
        long seed = runSeed();
        try {
            QuickTheory.qt().withFixedSeed(seed).withExamples(examples(examples)).withShrinkCycles(40)
                    .forAll(longs().all(), integers().between(1, maxSize))
                    .checkAssert((caseSeed, size) -> {
                        try {
                            body.run(caseSeed, size);
                        } catch (AssertionError e) {
                            throw e;
                        } catch (Throwable t) { // errors count as falsification too, so they shrink
                            AssertionError ae = new AssertionError(t.getClass().getSimpleName() + ": " + t.getMessage(), t);
                            throw ae;
                        }
                    });
        } catch (AssertionError e) {
            throw new AssertionError("property '" + name + "' failed (run seed " + seed + "; replay with -Dunitune.seed=" + seed
                    + "; a failing case replays alone with body.run(caseSeed, size) from the falsifying values below)\n" + e.getMessage(), e);
        }
    }
}
