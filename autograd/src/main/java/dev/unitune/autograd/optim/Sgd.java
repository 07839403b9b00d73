package dev.unitune.autograd.optim;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * torch.optim.SGD: g += wd p; with momentum mu: buf = g on the first step, else mu buf + (1 - dampening) g;
 * nesterov uses g + mu buf; p -= lr * (buf or g).
 */
public final class Sgd extends Optimizer {
    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;

    public Sgd(List<? extends Var> params, double lr) { this(params, lr, 0, 0, 0, false); }

    public Sgd(List<? extends Var> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr);
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new IllegalArgumentException("nesterov momentum needs momentum > 0 and dampening 0");
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(Var p, Tensor g, LinkedHashMap<String, Tensor> st) {
        Backend be = p.backend();
        Tensor w = p.tensor();
        if (weightDecay != 0) g = be.binary(BinaryOp.ADD, g, be.binaryScalar(BinaryOp.MUL, w, weightDecay));
        if (momentum != 0) {
            Tensor buf = st.get("momentum_buffer");
            buf = buf == null ? be.copy(g)
                    : be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, buf, momentum), be.binaryScalar(BinaryOp.MUL, g, 1 - dampening));
            st.put("momentum_buffer", buf);
            g = nesterov ? be.binary(BinaryOp.ADD, g, be.binaryScalar(BinaryOp.MUL, buf, momentum)) : buf;
        }
        p.assign(be.binary(BinaryOp.SUB, w, be.binaryScalar(BinaryOp.MUL, g, lr)));
    }
}
