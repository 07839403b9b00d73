package dev.unitune.autograd;

/**
 * A scope in which no op records a graph: {@code try (NoGrad ng = NoGrad.enter()) { ... }}. Results are
 * plain constants that hold no reference to their inputs, so inference keeps no activations alive.
 * {@link #enable()} opens the opposite scope (grad recording on), used by gradient checkpointing.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;
    private boolean closed;

    private NoGrad(boolean enabled) { previous = GradMode.set(enabled); }

    public static NoGrad enter() { return new NoGrad(false); }

    /** A scope with grad recording switched ON (restores the previous mode on close). */
    public static NoGrad enable() { return new NoGrad(true); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        GradMode.set(previous);
    }
}
