package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Tensor;

/** Dropout with a Philox-drawn mask (reproducible from the generator's seed and offset). */
final class RandomOps {
    private RandomOps() {}

    /** Keeps each element with probability 1-p and scales kept ones by 1/(1-p) (inverted dropout). */
    static Var dropout(Var a, double p, boolean training, Generator gen) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1]");
        if (!training || p == 0) return a;
        Tensor x = a.tensor();
        Backend be = x.backend();
        if (p == 1) return F.mul(a, 0.0);
        long offset = gen.take(x.numel());
        Tensor u = be.uniform(x.dtype(), gen.seed(), offset, 0, 1, x.shape());
        Tensor keep = be.binaryScalar(BinaryOp.MUL, be.cast(be.binaryScalar(BinaryOp.GE, u, p), x.dtype()), 1 / (1 - p));
        Tensor out = be.binary(BinaryOp.MUL, x, keep);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        return Var.fromOp("dropout", out, g -> new Tensor[]{be.binary(BinaryOp.MUL, g, keep)}, a);
    }
}
