package dev.unitune.autograd.optim;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import java.util.List;

/** Gradient clipping by the global L2 norm over all parameters (torch.nn.utils.clip_grad_norm_). */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales every gradient by maxNorm / (total + 1e-6) when the total norm exceeds maxNorm.
     * @return the total norm before clipping (NaN/inf are returned as they are, and nothing is scaled)
     */
    public static double clipGradNorm(List<? extends Var> params, double maxNorm) {
        double sumSq = 0;
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            Backend be = g.backend();
            sumSq += be.reduce(ReduceOp.SUM, be.unary(UnaryOp.SQUARE, g), new int[0], false).item();
        }
        double total = Math.sqrt(sumSq);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1 && Double.isFinite(total)) {
            for (Var p : params) {
                Tensor g = p.grad();
                if (g != null) p.setGrad(g.backend().binaryScalar(BinaryOp.MUL, g, coef));
            }
        }
        return total;
    }
}
