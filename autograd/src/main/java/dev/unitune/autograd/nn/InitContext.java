package dev.unitune.autograd.nn;

import dev.unitune.autograd.Generator;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;

import java.util.ArrayDeque;

/**
 * Where and how new layers create their parameters: backend, dtype, the generator their random init draws
 * from, and whether to initialise at all. Layers read the innermost context of the current thread; by
 * default CPU, F32, the default generator, PyTorch-default init. Skip init when weights are loaded right
 * after construction (a real UNet has 860M parameters; drawing them only to overwrite them wastes time):
 * {@code try (InitContext c = InitContext.open(backend, DType.F32, null, false)) { model = new UNet(...); }}
 */
public final class InitContext implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<InitContext>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Backend backend;
    private final DType dtype;
    private final Generator generator;
    private final boolean initialise;

    private InitContext(Backend backend, DType dtype, Generator generator, boolean initialise) {
        this.backend = backend;
        this.dtype = dtype;
        this.generator = generator;
        this.initialise = initialise;
    }

    /** generator null = the default generator at the time a layer is built. */
    public static InitContext open(Backend backend, DType dtype, Generator generator, boolean initialise) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("parameters must be floating point, got " + dtype.id());
        InitContext c = new InitContext(backend, dtype, generator, initialise);
        STACK.get().push(c);
        return c;
    }

    static InitContext current() {
        InitContext c = STACK.get().peek();
        return c != null ? c : new InitContext(Backends.cpu(), DType.F32, null, true);
    }

    public Backend backend() { return backend; }
    public DType dtype() { return dtype; }
    public Generator generator() { return generator != null ? generator : Generator.defaultGenerator(); }
    public boolean initialise() { return initialise; }

    @Override
    public void close() {
        ArrayDeque<InitContext> s = STACK.get();
        if (s.peek() != this) throw new IllegalStateException("InitContext closed out of order");
        s.pop();
    }
}
