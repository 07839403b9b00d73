package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.NormGrads;
import dev.unitune.tensor.NormResult;
import dev.unitune.tensor.Tensor;

/** Group and layer norm through the backend's fused forward/backward kernels (mean, rstd saved). */
final class NormOps {
    private NormOps() {}

    static Var groupNorm(Var input, int groups, Var weight, Var bias, double eps) {
        Tensor x = input.tensor();
        Backend be = x.backend();
        Tensor w = weight == null ? null : weight.tensor();
        NormResult r = be.groupNorm(x, w, bias == null ? null : bias.tensor(), groups, eps);
        if (!Graph.needsGrad(input, weight, bias)) return Var.constant(r.output());
        Tensor mean = r.mean(), rstd = r.rstd();
        boolean gx = Graph.wants(input), gw = Graph.wants(weight), gb = Graph.wants(bias);
        BackwardFn fn = g -> {
            NormGrads d = be.groupNormBackward(g, x, mean, rstd, w, groups);
            return new Tensor[]{gx ? d.gradInput() : null, gw ? d.gradWeight() : null, gb ? d.gradBias() : null};
        };
        return Var.fromOp("group_norm", r.output(), fn, input, weight, bias);
    }

    static Var layerNorm(Var input, int normalizedDims, Var weight, Var bias, double eps) {
        Tensor x = input.tensor();
        Backend be = x.backend();
        Tensor w = weight == null ? null : weight.tensor();
        NormResult r = be.layerNorm(x, normalizedDims, w, bias == null ? null : bias.tensor(), eps);
        if (!Graph.needsGrad(input, weight, bias)) return Var.constant(r.output());
        Tensor mean = r.mean(), rstd = r.rstd();
        boolean gx = Graph.wants(input), gw = Graph.wants(weight), gb = Graph.wants(bias);
        BackwardFn fn = g -> {
            NormGrads d = be.layerNormBackward(g, x, mean, rstd, w, normalizedDims);
            return new Tensor[]{gx ? d.gradInput() : null, gw ? d.gradWeight() : null, gb ? d.gradBias() : null};
        };
        return Var.fromOp("layer_norm", r.output(), fn, input, weight, bias);
    }
}
