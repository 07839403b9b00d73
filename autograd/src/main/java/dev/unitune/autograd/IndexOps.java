package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

/** Index-driven ops; indices are constants (integer tensors), only the gathered tensor is differentiated. */
final class IndexOps {
    private IndexOps() {}

    static Var indexSelect(Var a, int axis, Tensor index) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        Tensor out = be.indexSelect(x, axis, index);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = x.shape();
        return Var.fromOp("index_select", out, g -> new Tensor[]{be.indexAdd(be.fill(g.dtype(), 0, xs), axis, index, g)}, a);
    }

    /** Rows of weight [num, dim] for ids of any shape; result ids.shape + [dim]. */
    static Var embedding(Var weight, Tensor ids) {
        int[] is = ids.shape();
        int[] os = java.util.Arrays.copyOf(is, is.length + 1);
        os[is.length] = weight.dim(1);
        return LayoutOps.reshape(indexSelect(weight, 0, ids.reshape(ids.numel())), os);
    }

    static Var gather(Var a, int axis, Tensor index) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        Tensor out = be.gather(x, axis, index);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = x.shape();
        return Var.fromOp("gather", out, g -> new Tensor[]{be.scatterAdd(be.fill(g.dtype(), 0, xs), axis, index, g)}, a);
    }

    /** target with src's slices added at index positions along axis; d/dtarget = g, d/dsrc = g's selected slices. */
    static Var indexAdd(Var target, int axis, Tensor index, Var src) {
        Tensor t = target.tensor();
        Backend be = t.backend();
        Tensor out = be.indexAdd(t, axis, index, src.tensor());
        if (!Graph.needsGrad(target, src)) return Var.constant(out);
        boolean gt = Graph.wants(target), gs = Graph.wants(src);
        return Var.fromOp("index_add", out, g -> new Tensor[]{gt ? g : null, gs ? be.indexSelect(g, axis, index) : null}, target, src);
    }

    /** scatter_add out of place; d/dtarget = g, d/dsrc = gather(g, axis, index). */
    static Var scatterAdd(Var target, int axis, Tensor index, Var src) {
        Tensor t = target.tensor();
        Backend be = t.backend();
        Tensor out = be.scatterAdd(t, axis, index, src.tensor());
        if (!Graph.needsGrad(target, src)) return Var.constant(out);
        boolean gt = Graph.wants(target), gs = Graph.wants(src);
        return Var.fromOp("scatter_add", out, g -> new Tensor[]{gt ? g : null, gs ? be.gather(g, axis, index) : null}, target, src);
    }
}
