package dev.unitune.autograd.optim;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import dev.unitune.tensor.Storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the optimizers: a fixed list of parameters, a learning rate (set by a schedule between steps),
 * a step counter and per-parameter state tensors. Updates use Backend ops on the parameters' own device
 * and replace each parameter's value with {@link Var#assign}. Because tensors are immutable, the state dict
 * holds the state tensors themselves; saving and loading it resumes training bit-exactly.
 */
public abstract class Optimizer {
    protected final List<Var> params;
    protected final List<LinkedHashMap<String, Tensor>> state = new ArrayList<>();
    protected double lr;
    protected long step;
    /** Storages this optimizer moved out of a scope with {@link #keepState}: it frees them when it replaces them. */
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());

    protected Optimizer(List<? extends Var> params, double lr) {
        if (params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + " given no parameters (all frozen?)");
        this.params = List.copyOf(params);
        for (Var p : this.params) {
            if (!p.requiresGrad()) throw new IllegalArgumentException(getClass().getSimpleName() + " given a frozen parameter " + p);
            state.add(new LinkedHashMap<>());
        }
        this.lr = lr;
    }

    /**
     * Applies one update to every parameter that has a gradient. Each update runs in its own
     * {@link MemoryScope}, so its temporaries are freed at once on device backends; the new parameter value
     * and state tensors are kept (they move to the enclosing scope, or become unowned when step() is called
     * outside any scope, which is how a training loop should call it).
     */
    public void step() {
        step++;
        for (int i = 0; i < params.size(); i++) {
            Var p = params.get(i);
            Tensor g = p.grad();
            if (g == null) continue;
            LinkedHashMap<String, Tensor> st = state.get(i);
            List<Tensor> before = new ArrayList<>(st.values());
            before.add(p.tensor());
            try (MemoryScope scope = MemoryScope.open()) {
                update(p, g, st);
                scope.keep(p.tensor());
                for (Tensor t : st.values()) scope.keep(t);
            }
            freeReplaced(before, p.tensor(), st);
        }
    }

    /**
     * Device training loops run each step in a {@link MemoryScope}; call this inside it after {@link #step()}
     * so the new parameter values and optimizer state outlive the scope. From then on the optimizer owns
     * those storages and frees each one when a later step replaces it, so device memory stays flat. (A
     * {@link #stateDict()} or model stateDict taken in this mode is valid until the next step.)
     */
    public void keepState(MemoryScope scope) {
        for (int i = 0; i < params.size(); i++) {
            owned.add(scope.keep(params.get(i).tensor()).storage());
            for (Tensor t : state.get(i).values()) owned.add(scope.keep(t).storage());
        }
    }

    private void freeReplaced(List<Tensor> before, Tensor param, Map<String, Tensor> st) {
        if (owned.isEmpty()) return;
        Set<Storage> still = Collections.newSetFromMap(new IdentityHashMap<>());
        still.add(param.storage());
        for (Tensor t : st.values()) still.add(t.storage());
        for (Tensor old : before) {
            Storage s = old.storage();
            if (!still.contains(s) && owned.remove(s)) s.free();
        }
    }

    /** One parameter's update; reads and replaces entries of its state map. */
    protected abstract void update(Var p, Tensor grad, LinkedHashMap<String, Tensor> st);

    public void zeroGrad() {
        for (Var p : params) p.zeroGrad();
    }

    public double lr() { return lr; }

    public void setLr(double lr) { this.lr = lr; }

    /** Number of steps taken (the bias-correction / schedule counter). */
    public long stepCount() { return step; }

    public List<Var> params() { return params; }

    /** "step", "lr", and "state.<param index>.<name>" for every state tensor. */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Backends.cpu().fromHost(new long[]{step}, DType.I64, 1));
        out.put("lr", Backends.cpu().fromHost(new double[]{lr}, DType.F64, 1));
        for (int i = 0; i < state.size(); i++) {
            final int idx = i;
            state.get(i).forEach((k, t) -> out.put("state." + idx + "." + k, t));
        }
        return out;
    }

    /** Restores a {@link #stateDict} taken from an optimizer of the same kind over the same parameters. */
    public void loadStateDict(Map<String, Tensor> sd) {
        Tensor s = sd.get("step"), l = sd.get("lr");
        if (s == null || l == null) throw new IllegalArgumentException(getClass().getSimpleName() + " state dict lacks 'step' or 'lr'");
        List<LinkedHashMap<String, Tensor>> fresh = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) fresh.add(new LinkedHashMap<>());
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.equals("step") || k.equals("lr")) continue;
            String[] parts = k.split("\\.", 3);
            if (parts.length != 3 || !parts[0].equals("state"))
                throw new IllegalArgumentException("unexpected optimizer state key '" + k + "'");
            int idx;
            try {
                idx = Integer.parseInt(parts[1]);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("bad parameter index in optimizer state key '" + k + "'");
            }
            if (idx < 0 || idx >= params.size())
                throw new IllegalArgumentException("optimizer state key '" + k + "' refers to parameter " + idx + " of " + params.size());
            Var p = params.get(idx);
            Tensor t = e.getValue().to(p.backend());
            checkStateShape(k, parts[2], p, t);
            fresh.get(idx).put(parts[2], t);
        }
        step = (long) s.item();
        lr = l.item();
        for (int i = 0; i < params.size(); i++) {
            state.get(i).clear();
            state.get(i).putAll(fresh.get(i));
        }
    }

    /** Subclasses with state shaped unlike the parameter (factored moments) override this. */
    protected void checkStateShape(String key, String name, Var p, Tensor t) {
        if (!p.tensor().sameShape(t))
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + Shape.str(t.shape()) + ", parameter has " + Shape.str(p.shape()));
    }
}
