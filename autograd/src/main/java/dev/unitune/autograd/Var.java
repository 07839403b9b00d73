package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/**
 * A tensor in the autograd graph: its value, an optional accumulated gradient, whether it requires one,
 * and the {@link Node} that produced it (null for leaves). Tensors are immutable, so no op changes a Var's
 * value in place; the only mutation is {@link #assign} on a leaf (what optimizers do), which bumps a version
 * counter that backward checks, so a gradient is never computed against values that changed under it.
 */
public class Var {
    private Tensor data;
    private Tensor grad;
    private boolean requiresGrad;
    private Node node;
    private int version;
    private String name;

    protected Var(Tensor data, boolean requiresGrad) {
        if (data == null) throw new IllegalArgumentException("Var needs a tensor, got null");
        if (requiresGrad && !data.dtype().isFloating())
            throw new IllegalArgumentException("only floating-point tensors can require gradients, got " + data.dtype().id() + " " + Shape.str(data.shape()));
        this.data = data;
        this.requiresGrad = requiresGrad;
    }

    /** A value that is not differentiated (inputs, targets, masks). */
    public static Var constant(Tensor t) { return new Var(t, false); }

    /** A leaf whose gradient {@link Engine#backward backward} accumulates into {@link #grad()}. */
    public static Var leaf(Tensor t) { return new Var(t, true); }

    public static Var leaf(Tensor t, boolean requiresGrad) { return new Var(t, requiresGrad); }

    /**
     * Records the result of a custom op: {@code fn} maps dL/d(out) to the gradients of {@code inputs}. When no
     * input requires a gradient, or grad mode is off, nothing is recorded and {@code fn} is dropped at once.
     */
    public static Var fromOp(String op, Tensor out, BackwardFn fn, Var... inputs) {
        if (!Graph.needsGrad(inputs)) return constant(out);
        Var v = new Var(out, true);
        v.node = new Node(op, fn, inputs);
        return v;
    }

    /** Records a node even when no input requires a gradient (checkpoint segments hold parameters inside). */
    static Var fromOpAlways(String op, Tensor out, BackwardFn fn, Var... inputs) {
        Var v = new Var(out, true);
        v.node = new Node(op, fn, inputs);
        return v;
    }

    // ---- value --------------------------------------------------------------------------------------

    public Tensor tensor() { return data; }
    public int[] shape() { return data.shape(); }
    public int dim(int axis) { return data.dim(axis); }
    public int rank() { return data.rank(); }
    public int numel() { return data.numel(); }
    public DType dtype() { return data.dtype(); }
    public Backend backend() { return data.backend(); }
    public double item() { return data.item(); }

    /** Version counter: bumped by every {@link #assign}. */
    public int version() { return version; }

    /**
     * Replaces a leaf's value (same shape), as an optimizer step does. Refused on non-leaves: an op result
     * is defined by its inputs, and changing it would silently break the graph that consumes it.
     */
    public void assign(Tensor newData) {
        if (node != null)
            throw new IllegalStateException("assign() on the result of '" + node.op() + "' (" + describe() + "); only leaves (parameters, inputs) can be assigned");
        if (!data.sameShape(newData))
            throw new IllegalArgumentException("assign() of shape " + Shape.str(newData.shape()) + " to " + describe());
        data = newData;
        version++;
    }

    // ---- gradient -----------------------------------------------------------------------------------

    public boolean requiresGrad() { return requiresGrad; }

    /** Freezes (false) or unfreezes (true) a leaf. */
    public void setRequiresGrad(boolean requiresGrad) {
        if (node != null)
            throw new IllegalStateException("setRequiresGrad() on the result of '" + node.op() + "'; use detach() to cut the graph");
        if (requiresGrad && !data.dtype().isFloating())
            throw new IllegalArgumentException("only floating-point tensors can require gradients, " + describe() + " is " + data.dtype().id());
        this.requiresGrad = requiresGrad;
    }

    /** Accumulated gradient of a leaf (null until a backward reaches it). */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (g != null && !data.sameShape(g))
            throw new IllegalArgumentException("gradient of shape " + Shape.str(g.shape()) + " for " + describe());
        grad = g;
    }

    public void zeroGrad() { grad = null; }

    /** The node that made this Var, or null for a leaf / constant. */
    public Node node() { return node; }

    public boolean isLeaf() { return node == null; }

    /** The same value, cut from the graph (a constant). */
    public Var detach() { return constant(data); }

    /** Backward from a one-element result (dL/dL = 1). */
    public void backward() { Engine.backward(this); }

    /** Backward with an explicit upstream gradient of this Var's shape. */
    public void backward(Tensor gradOut) { Engine.backward(this, gradOut, false); }

    // ---- naming (error messages) ----------------------------------------------------------------------

    public String name() { return name; }

    public Var setName(String name) {
        this.name = name;
        return this;
    }

    String describe() {
        String what = name != null ? name : node != null ? "result of " + node.op() : "leaf";
        return what + " " + Shape.str(data.shape()) + " " + data.dtype().id();
    }

    @Override
    public String toString() { return "Var(" + describe() + (requiresGrad ? ", requiresGrad" : "") + ")"; }

    // ---- fluent shorthands for the commonest ops (see F for all) ---------------------------------------

    public Var add(Var o) { return F.add(this, o); }
    public Var sub(Var o) { return F.sub(this, o); }
    public Var mul(Var o) { return F.mul(this, o); }
    public Var div(Var o) { return F.div(this, o); }
    public Var add(double s) { return F.add(this, s); }
    public Var mul(double s) { return F.mul(this, s); }
    public Var matmul(Var o) { return F.matmul(this, o); }
    public Var sum() { return F.sum(this); }
    public Var mean() { return F.mean(this); }
    public Var reshape(int... shape) { return F.reshape(this, shape); }
    public Var permute(int... axes) { return F.permute(this, axes); }
    public Var transpose(int a, int b) { return F.transpose(this, a, b); }
}
