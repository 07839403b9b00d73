package dev.unitune.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Deterministic freeing of device memory. Every storage a backend allocates while a scope is open on the
 * current thread is registered with the innermost scope; closing the scope frees all of them except the
 * ones {@link #keep(Tensor) kept}, which move to the enclosing scope (or become unowned, left to the
 * caller, when there is none). A sampling loop wraps each step in a scope and keeps only its result, so
 * device memory does not grow with the number of steps.
 *
 * <p>Host (CPU) storages are Java arrays and are not registered: holding them strongly would keep every
 * activation of a large forward pass alive until the scope closes; the GC frees them as soon as they
 * become unreachable.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private MemoryScope() {}

    /** Opens a scope on the current thread; use with try-with-resources. */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope();
        STACK.get().push(s);
        return s;
    }

    /** Called by backends for every new device storage. */
    public static void register(Storage storage) {
        MemoryScope s = STACK.get().peek();
        if (s != null) s.owned.add(storage);
    }

    /** Keeps the tensor's storage alive past this scope: it moves to the enclosing scope. */
    public <T extends Tensor> T keep(T tensor) {
        Storage st = tensor.storage();
        if (owned.remove(st)) {
            MemoryScope parent = parentOf(this);
            if (parent != null) parent.owned.add(st);
        }
        return tensor;
    }

    /** Number of storages this scope would free now. */
    public int ownedCount() { return owned.size(); }

    private static MemoryScope parentOf(MemoryScope s) {
        boolean found = false;
        for (MemoryScope x : STACK.get()) { // iterates innermost first
            if (found) return x;
            if (x == s) found = true;
        }
        return null;
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread)
            throw new IllegalStateException("MemoryScope closed on another thread than the one that opened it");
        ArrayDeque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this)
            throw new IllegalStateException("MemoryScope closed out of order: close inner scopes first");
        stack.pop();
        closed = true;
        List<Storage> toFree = new ArrayList<>(owned);
        owned.clear();
        for (Storage st : toFree) st.free();
    }
}
