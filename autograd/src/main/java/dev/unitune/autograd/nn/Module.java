package dev.unitune.autograd.nn;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A layer or a model: named parameters, named buffers (non-trained state such as position ids) and named
 * child modules, in registration order. Names compose with dots exactly like PyTorch state-dict keys
 * ({@code down_blocks.0.resnets.1.conv1.weight}), so loading a reference checkpoint is a name match.
 *
 * <p>Modules that take one input override {@link #forward(Var)}; others define their own forward methods.
 */
public abstract class Module {
    private final LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The one-input forward pass (Sequential calls this). */
    public Var forward(Var x) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no one-input forward(Var); call its own forward method");
    }

    // ---- registration ---------------------------------------------------------------------------------

    protected <P extends Parameter> P registerParameter(String name, P p) {
        checkName(name);
        if (p == null) throw new IllegalArgumentException("parameter '" + name + "' of " + getClass().getSimpleName() + " is null; skip it instead");
        params.put(name, p);
        p.setName(name);
        return p;
    }

    protected <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        if (m == null) throw new IllegalArgumentException("module '" + name + "' of " + getClass().getSimpleName() + " is null");
        children.put(name, m);
        return m;
    }

    protected Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    protected void removeModule(String name) { children.remove(name); }

    protected void removeParameter(String name) { params.remove(name); }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("invalid member name '" + name + "' in " + getClass().getSimpleName() + " (non-empty, no dots)");
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("'" + name + "' registered twice in " + getClass().getSimpleName());
    }

    public Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        return t;
    }

    public Parameter parameter(String name) {
        Parameter p = params.get(name);
        if (p == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        return p;
    }

    // ---- traversal ---------------------------------------------------------------------------------------

    /** Direct children in registration order. */
    public Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** This module ("") and every descendant under its dotted path, depth-first in registration order. */
    public LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, LinkedHashMap<String, Module> out) {
        out.put(prefix, this);
        children.forEach((n, m) -> m.collectModules(prefix.isEmpty() ? n : prefix + "." + n, out));
    }

    /** The descendant at a dotted path ("" = this). */
    public Module module(String path) {
        Module m = namedModules().get(path);
        if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no submodule '" + path + "'");
        return m;
    }

    public LinkedHashMap<String, Parameter> namedParameters() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        visit((prefix, m) -> m.params.forEach((n, p) -> out.put(prefix + n, p)));
        return out;
    }

    public List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters that currently require a gradient (what an optimizer should get). */
    public List<Parameter> trainableParameters() {
        List<Parameter> r = new ArrayList<>();
        for (Parameter p : namedParameters().values()) if (p.requiresGrad()) r.add(p);
        return r;
    }

    public LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        visit((prefix, m) -> m.buffers.forEach((n, t) -> out.put(prefix + n, t)));
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** Calls action(prefix-with-trailing-dot, module) for this module and all descendants. */
    private void visit(BiConsumer<String, Module> action) {
        namedModules().forEach((path, m) -> action.accept(path.isEmpty() ? "" : path + ".", m));
    }

    // ---- state dict -------------------------------------------------------------------------------------

    /** Parameters and buffers by dotted name (the tensors themselves: tensors are immutable, so this is a snapshot). */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        visit((prefix, m) -> {
            m.params.forEach((n, p) -> out.put(prefix + n, p.tensor()));
            m.buffers.forEach((n, t) -> out.put(prefix + n, t));
        });
        return out;
    }

    /** Keys the model expected but the map lacked, and keys the map had that the model does not. */
    public record LoadResult(List<String> missing, List<String> unexpected) {}

    /**
     * Loads parameters and buffers by name, converting each tensor to the dtype and backend of what it
     * replaces. Wrongly-shaped keys are always an error; missing and unexpected keys are errors when
     * strict. Everything is checked before anything is assigned, so a failed load changes nothing.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Parameter> ps = namedParameters();
        LinkedHashMap<String, Tensor> bs = namedBuffers();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), wrong = new ArrayList<>();
        for (String k : ps.keySet()) checkKey(k, ps.get(k).tensor(), state, missing, wrong);
        for (String k : bs.keySet()) checkKey(k, bs.get(k), state, missing, wrong);
        for (String k : state.keySet()) if (!ps.containsKey(k) && !bs.containsKey(k)) unexpected.add(k);
        if (!wrong.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("loadStateDict into " + getClass().getSimpleName() + " failed:");
            if (!wrong.isEmpty()) sb.append(" wrong shape ").append(summary(wrong)).append(';');
            if (strict && !missing.isEmpty()) sb.append(" missing ").append(summary(missing)).append(';');
            if (strict && !unexpected.isEmpty()) sb.append(" unexpected ").append(summary(unexpected)).append(';');
            throw new IllegalArgumentException(sb.substring(0, sb.length() - 1));
        }
        ps.forEach((k, p) -> {
            Tensor t = state.get(k);
            if (t != null) p.assign(convert(t, p.tensor()));
        });
        visit((prefix, m) -> m.buffers.replaceAll((n, old) -> {
            Tensor t = state.get(prefix + n);
            return t == null ? old : convert(t, old);
        }));
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    private static void checkKey(String key, Tensor mine, Map<String, Tensor> state, List<String> missing, List<String> wrong) {
        Tensor t = state.get(key);
        if (t == null) missing.add(key);
        else if (!mine.sameShape(t)) wrong.add(key + " (model " + Shape.str(mine.shape()) + ", given " + Shape.str(t.shape()) + ")");
    }

    private static String summary(List<String> keys) {
        int show = Math.min(keys.size(), 8);
        String s = keys.size() + " key(s): " + String.join(", ", keys.subList(0, show));
        return keys.size() > show ? s + ", ..." : s;
    }

    private static Tensor convert(Tensor t, Tensor like) {
        Tensor r = t.to(like.backend());
        return r.to(like.dtype());
    }

    // ---- modes and placement ----------------------------------------------------------------------------

    public boolean isTraining() { return training; }

    /** Sets training mode on this module and all descendants (dropout active only in training). */
    public Module train(boolean on) {
        for (Module m : namedModules().values()) m.training = on;
        return this;
    }

    public Module eval() { return train(false); }

    /** Moves every parameter and buffer to a backend (gradients are dropped). */
    public Module to(Backend backend) {
        for (Parameter p : namedParameters().values()) {
            p.assign(p.tensor().to(backend));
            p.zeroGrad();
        }
        visit((prefix, m) -> m.buffers.replaceAll((n, t) -> t.to(backend)));
        return this;
    }

    /** Converts every floating parameter and buffer to a dtype (gradients are dropped). */
    public Module to(DType dtype) {
        if (!dtype.isFloating()) throw new IllegalArgumentException("Module.to(" + dtype.id() + "): parameters must stay floating point");
        for (Parameter p : namedParameters().values()) {
            p.assign(p.tensor().to(dtype));
            p.zeroGrad();
        }
        visit((prefix, m) -> m.buffers.replaceAll((n, t) -> t.dtype().isFloating() ? t.to(dtype) : t));
        return this;
    }

    /** Freezes (false) or unfreezes (true) every parameter. */
    public Module requiresGrad(boolean on) {
        for (Parameter p : namedParameters().values()) p.setRequiresGrad(on);
        return this;
    }

    public void zeroGrad() {
        for (Parameter p : namedParameters().values()) p.zeroGrad();
    }

    @Override
    public String toString() { return getClass().getSimpleName() + "(" + parameterCount() + " parameters)"; }
}
