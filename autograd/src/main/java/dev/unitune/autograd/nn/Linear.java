package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Tensor;

/**
 * y = x W^T + b (torch.nn.Linear): weight [out, in], bias [out]. PyTorch-default init. Optionally carries
 * a LoRA adapter (PEFT names {@code lora_A.weight} [r, in] and {@code lora_B.weight} [out, r}): y += (alpha/r) B A x.
 */
public class Linear extends Module implements LoraTarget {
    public final int inFeatures, outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private Linear loraA, loraB;
    private double loraScale;

    public Linear(int inFeatures, int outFeatures) { this(inFeatures, outFeatures, true); }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        weight = registerParameter("weight", Init.kaimingUniform(inFeatures, outFeatures, inFeatures));
        this.bias = bias ? registerParameter("bias", Init.uniform(1 / Math.sqrt(Math.max(inFeatures, 1)), outFeatures)) : null;
    }

    public Parameter weight() { return weight; }

    /** Null when built without bias. */
    public Parameter bias() { return bias; }

    @Override
    public Var forward(Var x) {
        Var y = F.linear(x, weight, bias);
        if (loraA != null) y = F.add(y, F.mul(loraB.forward(loraA.forward(x)), loraScale));
        return y;
    }

    @Override
    public void attachLora(int rank, double alpha, Generator gen) {
        if (loraA != null) throw new IllegalStateException("Linear already has a LoRA adapter");
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        try (InitContext c = InitContext.open(weight.backend(), weight.dtype(), gen, true)) {
            loraA = registerModule("lora_A", new Linear(inFeatures, rank, false));
            loraB = registerModule("lora_B", new Linear(rank, outFeatures, false));
            loraB.weight.assign(weight.backend().fill(weight.dtype(), 0, outFeatures, rank));
        }
        loraScale = alpha / rank;
    }

    @Override
    public boolean hasLora() { return loraA != null; }

    @Override
    public void mergeLora() {
        if (loraA == null) throw new IllegalStateException("Linear has no LoRA adapter to merge");
        try (NoGrad ng = NoGrad.enter()) {
            Tensor w = weight.tensor();
            Tensor delta = w.backend().matmul(loraB.weight.tensor(), loraA.weight.tensor(), false, false); // [out, in]
            weight.assign(w.backend().binary(BinaryOp.ADD, w, w.backend().binaryScalar(BinaryOp.MUL, delta, loraScale)));
        }
        detachLora();
    }

    @Override
    public void detachLora() {
        removeModule("lora_A");
        removeModule("lora_B");
        loraA = loraB = null;
    }
}
