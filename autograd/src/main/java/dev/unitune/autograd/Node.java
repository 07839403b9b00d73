package dev.unitune.autograd;

import dev.unitune.tensor.Tensor;

/**
 * One recorded op in the graph: the inputs it read, the versions they had when it read them, and its
 * backward formula. Released (inputs and saved tensors dropped) once the engine has used it, so a graph
 * never outlives its backward pass unless asked to.
 */
public final class Node {
    private final String op;
    private Var[] inputs;
    private int[] inputVersions;
    private BackwardFn fn;

    Node(String op, BackwardFn fn, Var[] inputs) {
        this.op = op;
        this.fn = fn;
        this.inputs = inputs.clone();
        this.inputVersions = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) inputVersions[i] = inputs[i] == null ? -1 : inputs[i].version();
    }

    /** The op's name, e.g. "conv2d" (used in error messages and graph dumps). */
    public String op() { return op; }

    public boolean isReleased() { return fn == null; }

    Var[] inputs() {
        if (inputs == null) throw released();
        return inputs;
    }

    Tensor[] runBackward(Tensor gradOut) {
        if (fn == null) throw released();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null && inputs[i].version() != inputVersions[i])
                throw new IllegalStateException("input " + i + " of '" + op + "' (" + inputs[i].describe()
                        + ") was assigned new data after the forward pass read it; its gradient would be wrong. "
                        + "Run the forward pass again after changing parameters.");
        }
        Tensor[] grads = fn.apply(gradOut);
        if (grads.length != inputs.length)
            throw new IllegalStateException("backward of '" + op + "' returned " + grads.length + " gradients for " + inputs.length + " inputs");
        return grads;
    }

    /** Drops the inputs and the saved tensors; the node can no longer run. */
    void release() {
        fn = null;
        inputs = null;
        inputVersions = null;
    }

    private IllegalStateException released() {
        return new IllegalStateException("backward through '" + op + "' whose graph was already freed by an earlier backward(); "
                + "run the forward pass again, or pass retainGraph=true to the first backward");
    }

    @Override
    public String toString() { return "Node(" + op + (fn == null ? ", released)" : ")"); }
}
