package dev.unitune.autograd;

/**
 * Whether ops record a graph on the current thread. Off inside {@link NoGrad} scopes (inference records
 * nothing, saves nothing) and while the engine runs backward formulas.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** Sets the mode and returns the previous one (scopes restore it on close). */
    static boolean set(boolean enabled) {
        boolean[] cell = ENABLED.get();
        boolean prev = cell[0];
        cell[0] = enabled;
        return prev;
    }
}
