package dev.unitune.autograd;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reverse-mode differentiation: orders the graph behind a result topologically (iterative DFS, so deep
 * graphs do not overflow the stack), runs each node's backward formula once with the sum of the gradients
 * flowing into it, and accumulates into leaves. Formulas run with grad mode off (no higher-order graphs).
 * Each node is released right after it ran, so saved tensors die as early as possible and nothing of the
 * graph stays reachable from the engine afterwards.
 */
public final class Engine {
    private static volatile Consumer<Node> probe;

    private Engine() {}

    /**
     * Installs a callback run after each node's backward (and its release), e.g. a memory or timing probe
     * for benchmarks; null removes it. Global and meant for measurement, not for production logic.
     */
    public static void setProbe(Consumer<Node> p) { probe = p; }

    /** Backward from a one-element result. */
    public static void backward(Var root) {
        if (root.numel() != 1)
            throw new IllegalArgumentException("backward() without a gradient needs a one-element result, got " + root
                    + "; pass the upstream gradient explicitly");
        backward(root, root.backend().fill(root.dtype(), 1.0, root.shape()), false);
    }

    public static void backward(Var root, Tensor gradRoot, boolean retainGraph) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward() on " + root + ", which does not require a gradient "
                    + "(no input requires one, or it was computed under NoGrad)");
        if (!root.tensor().sameShape(gradRoot))
            throw new IllegalArgumentException("upstream gradient of shape " + Shape.str(gradRoot.shape()) + " for " + root);
        if (root.isLeaf()) {
            accumulate(root, gradRoot);
            return;
        }
        List<Node> order = topologicalOrder(root.node());
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(root.node(), gradRoot);
        GradLedger ledger = new GradLedger();
        ledger.hold(gradRoot);
        try (NoGrad ignored = NoGrad.enter()) {
            for (int n = order.size() - 1; n >= 0; n--) {
                Node node = order.get(n);
                Tensor g = pending.remove(node);
                if (g == null) { // nothing flowed here (every consumer returned null)
                    if (!retainGraph) node.release();
                    continue;
                }
                Var[] inputs = node.inputs();
                try (MemoryScope scope = MemoryScope.open()) {
                    int mark = ledger.mark();
                    Tensor[] grads = node.runBackward(g);
                    for (int i = 0; i < inputs.length; i++) {
                        Var in = inputs[i];
                        Tensor gi = grads[i];
                        if (in == null || gi == null || !in.requiresGrad()) continue;
                        if (!in.tensor().sameShape(gi))
                            throw new IllegalStateException("backward of '" + node.op() + "' produced a gradient of shape "
                                    + Shape.str(gi.shape()) + " for input " + i + " (" + in.describe() + ")");
                        if (in.isLeaf()) {
                            Tensor prev = in.grad();
                            if (accumulate(in, gi)) {
                                Tensor now = ledger.keep(scope, in.grad());
                                ledger.hold(now);
                                ledger.recordLeafGrad(now);
                                if (prev != null) ledger.release(prev);
                            }
                        } else {
                            Tensor old = pending.get(in.node());
                            Tensor sum = ledger.keep(scope, old == null ? gi : old.backend().binary(BinaryOp.ADD, old, gi));
                            ledger.hold(sum);
                            pending.put(in.node(), sum);
                            if (old != null) ledger.release(old);
                        }
                    }
                    ledger.keepLeafGradsSince(scope, mark);
                }
                ledger.release(g); // this node's upstream gradient is used up
                if (!retainGraph) node.release();
                Consumer<Node> pr = probe;
                if (pr != null) pr.accept(node);
            }
        } finally {
            ledger.close();
        }
    }

    /** Adds g into the leaf's gradient; false when the leaf takes no gradient. */
    private static boolean accumulate(Var leaf, Tensor g) {
        if (!leaf.requiresGrad()) return false;
        if (g.dtype() != leaf.dtype()) g = g.to(leaf.dtype());
        Tensor prev = leaf.grad();
        leaf.setGrad(prev == null ? g.contiguous() : prev.backend().binary(BinaryOp.ADD, prev, g));
        return true;
    }

    /** Nodes in DFS post-order (inputs before consumers); the root is last. */
    static List<Node> topologicalOrder(Node root) {
        List<Node> order = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>(); // {node, next input index}
        stack.push(new Object[]{root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node node = (Node) top[0];
            Var[] inputs = node.inputs();
            int i = (Integer) top[1];
            boolean pushed = false;
            while (i < inputs.length) {
                Var in = inputs[i++];
                if (in == null || !in.requiresGrad() || in.isLeaf()) continue;
                Node child = in.node();
                if (seen.add(child)) {
                    top[1] = i;
                    stack.push(new Object[]{child, 0});
                    pushed = true;
                    break;
                }
            }
            if (!pushed) {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }
}
