package dev.unitune.autograd;

import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Storage;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Device-memory bookkeeping of one backward pass. Each node's formula runs in its own {@link MemoryScope},
 * so its temporaries are freed as soon as it returns; the gradients it hands on are kept out of that scope,
 * and the ledger counts how many places hold each such storage (pending sums, leaf gradients). When the last
 * hold of a storage this pass created goes, the storage is freed: the upstream gradient of a node dies as
 * soon as the node has used it, instead of at the end of the step. Storages the pass did not create (the
 * caller's upstream gradient, forward tensors a formula passes through) are never freed here.
 *
 * <p>On the CPU backend nothing registers with scopes, so all of this is bookkeeping only.
 */
final class GradLedger {
    /** Leaf gradients made by nested backward passes (checkpoint recomputation) that must climb every scope. */
    private static final ThreadLocal<List<Tensor>> LEAF_GRADS = ThreadLocal.withInitial(ArrayList::new);
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Map<Storage, Integer> holds = new IdentityHashMap<>();
    private final Set<Storage> created = Collections.newSetFromMap(new IdentityHashMap<>());
    private final boolean outermost;

    GradLedger() { outermost = DEPTH.get()[0]++ == 0; }

    /** Ends this pass (call in a finally). */
    void close() {
        DEPTH.get()[0]--;
        if (outermost) LEAF_GRADS.get().clear();
    }

    /** Position in the shared leaf-gradient list at the start of a node. */
    int mark() { return LEAF_GRADS.get().size(); }

    /** Moves t out of the node scope; if that scope owned it, this pass created it. */
    Tensor keep(MemoryScope scope, Tensor t) {
        int before = scope.ownedCount();
        scope.keep(t);
        if (scope.ownedCount() < before) created.add(t.storage());
        return t;
    }

    /** Keeps every leaf gradient made since mark (by nested passes) out of the node scope. */
    void keepLeafGradsSince(MemoryScope scope, int mark) {
        List<Tensor> l = LEAF_GRADS.get();
        for (int i = mark; i < l.size(); i++) keep(scope, l.get(i));
        if (outermost) l.subList(mark, l.size()).clear();
    }

    void recordLeafGrad(Tensor t) { LEAF_GRADS.get().add(t); }

    void hold(Tensor t) { holds.merge(t.storage(), 1, Integer::sum); }

    /** Drops one hold; frees the storage when it was the last and this pass created it. */
    void release(Tensor t) {
        Storage s = t.storage();
        Integer n = holds.get(s);
        if (n == null || n <= 1) {
            holds.remove(s);
            if (created.remove(s)) s.free();
        } else holds.put(s, n - 1);
    }
}
