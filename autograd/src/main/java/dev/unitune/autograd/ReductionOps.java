package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Tensor;

import static dev.unitune.autograd.Grads.*;

/** Differentiable reductions over any set of axes (empty = all). */
final class ReductionOps {
    private ReductionOps() {}

    static Var reduce(ReduceOp op, Var a, int[] axes, boolean keepDims) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        int[] ax = normAxes(axes, x.rank());
        Tensor out = be.reduce(op, x, ax, keepDims);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] shape = x.shape();
        int count = 1;
        for (int i : ax) count *= shape[i];
        final int n = count;
        BackwardFn fn = switch (op) {
            case SUM -> g -> new Tensor[]{unsqueezeReduced(g, ax, keepDims).expand(shape)};
            case MEAN -> g -> new Tensor[]{scale(unsqueezeReduced(g, ax, keepDims), 1.0 / n).expand(shape)};
            case MAX, MIN -> g -> {
                // ties share the gradient evenly (as torch.amax/amin do)
                Tensor y = unsqueezeReduced(out, ax, keepDims);
                Tensor hit = mask(be.binary(BinaryOp.EQ, x, y), g.dtype());
                Tensor hits = be.reduce(ReduceOp.SUM, hit, ax, true);
                return new Tensor[]{mul(hit, div(unsqueezeReduced(g, ax, keepDims), hits))};
            };
            // d/dx_i prod = prod / x_i: exact for nonzero inputs; a zero input yields inf/nan (documented limit)
            case PROD -> g -> new Tensor[]{div(mul(unsqueezeReduced(g, ax, keepDims), unsqueezeReduced(out, ax, keepDims)), x)};
        };
        return Var.fromOp(op.name().toLowerCase(), out, fn, a);
    }

    /** Variance with a Bessel-style correction: d/dx_i = 2 (x_i - mean) / (N - correction). */
    static Var variance(Var a, int[] axes, int correction, boolean keepDims) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        int[] ax = normAxes(axes, x.rank());
        Tensor out = be.variance(x, ax, correction, keepDims);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] shape = x.shape();
        int count = 1;
        for (int i : ax) count *= shape[i];
        double k = 2.0 / (count - correction);
        BackwardFn fn = g -> {
            Tensor centred = sub(x, be.reduce(ReduceOp.MEAN, x, ax, true));
            return new Tensor[]{mul(scale(centred, k), unsqueezeReduced(g, ax, keepDims))};
        };
        return Var.fromOp("var", out, fn, a);
    }
}
