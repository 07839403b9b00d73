package dev.unitune.autograd.optim;

import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.Parameter;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Storage;
import dev.unitune.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.Map;

/**
 * Exponential moving average of a module's parameters: shadow = decay shadow + (1 - decay) param after each
 * optimizer step. {@link #copyTo} writes the averages into a module with the same parameter names
 * (e.g. for sampling); the shadow tensors are the state dict.
 */
public final class Ema {
    private final double decay;
    private final LinkedHashMap<String, Tensor> shadow = new LinkedHashMap<>();
    private final Module module;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());

    public Ema(Module module, double decay) {
        if (decay < 0 || decay > 1) throw new IllegalArgumentException("EMA decay " + decay + " outside [0, 1]");
        this.module = module;
        this.decay = decay;
        module.namedParameters().forEach((k, p) -> { if (p.requiresGrad()) shadow.put(k, p.tensor()); });
    }

    public void update() {
        LinkedHashMap<String, Parameter> ps = module.namedParameters();
        shadow.replaceAll((k, s) -> {
            Tensor w = ps.get(k).tensor();
            Backend be = w.backend();
            Tensor next = be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, s, decay), be.binaryScalar(BinaryOp.MUL, w, 1 - decay));
            if (owned.remove(s.storage())) s.storage().free(); // a previous average this EMA kept out of a scope
            return next;
        });
    }

    /** As Optimizer#keepState: in a per-step MemoryScope, keeps the averages and takes ownership of them. */
    public void keepState(MemoryScope scope) {
        for (Tensor t : shadow.values()) owned.add(scope.keep(t).storage());
    }

    /** Loads the averages into target's parameters of the same names (others untouched). */
    public void copyTo(Module target) { target.loadStateDict(shadow, false); }

    public LinkedHashMap<String, Tensor> stateDict() { return new LinkedHashMap<>(shadow); }

    public void loadStateDict(Map<String, Tensor> sd) {
        for (String k : shadow.keySet()) {
            Tensor t = sd.get(k);
            if (t == null) throw new IllegalArgumentException("EMA state lacks '" + k + "'");
            if (!t.sameShape(shadow.get(k)))
                throw new IllegalArgumentException("EMA state '" + k + "' has shape " + Shape.str(t.shape()) + ", expected " + Shape.str(shadow.get(k).shape()));
        }
        shadow.replaceAll((k, s) -> sd.get(k).to(s.backend()));
    }
}
