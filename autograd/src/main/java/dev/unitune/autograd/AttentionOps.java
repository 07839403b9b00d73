package dev.unitune.autograd;

import dev.unitune.tensor.AttentionGrads;
import dev.unitune.tensor.AttentionResult;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

/**
 * Scaled-dot-product attention via the backend's fused kernels. The mask is additive and treated as a
 * constant (no gradient flows into it). Saved for backward: q, k, v, the output and the per-row log-sum-exp.
 */
final class AttentionOps {
    private AttentionOps() {}

    static Var attention(Var q, Var k, Var v, Tensor mask, double scale, boolean causal) {
        Tensor tq = q.tensor(), tk = k.tensor(), tv = v.tensor();
        Backend be = tq.backend();
        AttentionResult r = be.attention(tq, tk, tv, mask, scale, causal);
        if (!Graph.needsGrad(q, k, v)) return Var.constant(r.output());
        Tensor out = r.output(), lse = r.logSumExp();
        boolean gq = Graph.wants(q), gk = Graph.wants(k), gv = Graph.wants(v);
        BackwardFn fn = g -> {
            AttentionGrads d = be.attentionBackward(g, tq, tk, tv, out, lse, mask, scale, causal);
            return new Tensor[]{gq ? d.gradQ() : null, gk ? d.gradK() : null, gv ? d.gradV() : null};
        };
        return Var.fromOp("attention", out, fn, q, k, v);
    }
}
