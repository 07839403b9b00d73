package dev.unitune.autograd.optim;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * torch.optim.AdamW (decoupled weight decay): p *= 1 - lr wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 */
public final class AdamW extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;

    /** PyTorch defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<? extends Var> params, double lr) { this(params, lr, 0.9, 0.999, 1e-8, 0.01); }

    public AdamW(List<? extends Var> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(Var p, Tensor g, LinkedHashMap<String, Tensor> st) {
        Backend be = p.backend();
        Tensor w = p.tensor();
        if (weightDecay != 0) w = be.binaryScalar(BinaryOp.MUL, w, 1 - lr * weightDecay);
        Tensor m = st.get("exp_avg"), v = st.get("exp_avg_sq");
        Tensor g1 = be.binaryScalar(BinaryOp.MUL, g, 1 - beta1);
        Tensor g2 = be.binaryScalar(BinaryOp.MUL, be.unary(UnaryOp.SQUARE, g), 1 - beta2);
        m = m == null ? g1 : be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, m, beta1), g1);
        v = v == null ? g2 : be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, v, beta2), g2);
        st.put("exp_avg", m);
        st.put("exp_avg_sq", v);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        Tensor denom = be.binaryScalar(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, be.unary(UnaryOp.SQRT, v), 1 / Math.sqrt(bc2)), eps);
        Tensor upd = be.binaryScalar(BinaryOp.MUL, be.binary(BinaryOp.DIV, m, denom), lr / bc1);
        p.assign(be.binary(BinaryOp.SUB, w, upd));
    }
}
