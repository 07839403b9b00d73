package dev.unitune.autograd;

/** Package helpers the op implementations share. */
final class Graph {
    private Graph() {}

    /** True when grad mode is on and some input requires a gradient: only then is a node recorded. */
    static boolean needsGrad(Var... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Var v : inputs) if (v != null && v.requiresGrad()) return true;
        return false;
    }

    /** Whether the gradient of this particular input is wanted (saves computing unused ones). */
    static boolean wants(Var v) { return v != null && v.requiresGrad(); }
}
