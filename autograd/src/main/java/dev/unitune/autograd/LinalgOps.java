package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import static dev.unitune.autograd.Grads.sumTo;

/** Batched matmul with transposes, and the fused linear layer op. */
final class LinalgOps {
    private LinalgOps() {}

    /**
     * C = op(A) op(B). With G = dL/dC: dA = G op(B)^T (or its transpose when transA), dB = op(A)^T G (or its
     * transpose when transB); each expressed as one matmul with the right transpose flags, then summed over
     * broadcast batch dims.
     */
    static Var matmul(Var a, Var b, boolean transA, boolean transB) {
        Tensor x = a.tensor(), y = b.tensor();
        if (x.rank() < 2 || y.rank() < 2)
            throw new IllegalArgumentException("matmul needs rank >= 2 operands, got " + Shape.str(x.shape()) + " and " + Shape.str(y.shape()));
        Backend be = x.backend();
        Tensor out = be.matmul(x, y, transA, transB);
        if (!Graph.needsGrad(a, b)) return Var.constant(out);
        int[] sa = a.shape(), sb = b.shape();
        boolean ga = Graph.wants(a), gb = Graph.wants(b);
        BackwardFn fn = g -> {
            Tensor da = null, db = null;
            if (ga) da = !transA ? be.matmul(g, y, false, !transB) : (transB ? be.matmul(y, g, true, true) : be.matmul(y, g, false, true));
            if (gb) db = !transB ? (transA ? be.matmul(x, g, false, false) : be.matmul(x, g, true, false))
                    : (transA ? be.matmul(g, x, true, true) : be.matmul(g, x, true, false));
            return new Tensor[]{da == null ? null : sumTo(da, sa), db == null ? null : sumTo(db, sb)};
        };
        return Var.fromOp("matmul", out, fn, a, b);
    }

    /** y = x W^T + b for x [..., in], W [out, in], b [out] or null. The weight gradient is one flat matmul. */
    static Var linear(Var input, Var weight, Var bias) {
        Tensor x = input.tensor(), w = weight.tensor();
        if (w.rank() != 2 || x.dim(-1) != w.dim(1))
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " does not match weight " + Shape.str(w.shape()) + " ([out, in])");
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0)))
            throw new IllegalArgumentException("linear: bias " + Shape.str(bias.shape()) + " does not match weight " + Shape.str(w.shape()));
        Backend be = x.backend();
        int in = w.dim(1), outF = w.dim(0);
        int[] xs = x.shape();
        int rows = x.numel() / Math.max(in, 1);
        Tensor x2 = x.reshape(rows, in);
        Tensor y = be.matmul(x2, w, false, true);
        if (bias != null) y = be.binary(dev.unitune.tensor.BinaryOp.ADD, y, bias.tensor());
        int[] ys = xs.clone();
        ys[ys.length - 1] = outF;
        Tensor out = y.reshape(ys);
        if (!Graph.needsGrad(input, weight, bias)) return Var.constant(out);
        boolean gx = Graph.wants(input), gw = Graph.wants(weight), gbias = Graph.wants(bias);
        BackwardFn fn = g -> {
            Tensor g2 = g.reshape(rows, outF);
            return new Tensor[]{
                    gx ? be.matmul(g2, w, false, false).reshape(xs) : null,
                    gw ? be.matmul(g2, x2, true, false) : null,
                    gbias ? be.reduce(ReduceOp.SUM, g2, new int[]{0}, false) : null};
        };
        return Var.fromOp("linear", out, fn, input, weight, bias);
    }
}
