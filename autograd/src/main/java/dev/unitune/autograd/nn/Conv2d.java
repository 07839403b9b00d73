package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.Tensor;

/**
 * torch.nn.Conv2d: weight [out, in/groups, kH, kW], bias [out]; PyTorch-default init (fan_in = in/groups *
 * kH * kW). Optionally carries a LoRA adapter as PEFT does for convs: lora_A is a conv with the same
 * geometry to r channels, lora_B a 1x1 conv back to out channels.
 */
public class Conv2d extends Module implements LoraTarget {
    public final int inChannels, outChannels, kernelH, kernelW;
    public final Conv2dSpec spec;
    private final Parameter weight;
    private final Parameter bias;
    private Conv2d loraA, loraB;
    private double loraScale;

    /** Square kernel, stride, padding; no dilation, one group, with bias. */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, kernel, Conv2dSpec.of(stride, padding), true);
    }

    public Conv2d(int in, int out, int kernelH, int kernelW, Conv2dSpec spec, boolean bias) {
        if (in % spec.groups() != 0 || out % spec.groups() != 0)
            throw new IllegalArgumentException("Conv2d: channels " + in + " -> " + out + " not divisible by groups " + spec.groups());
        this.inChannels = in;
        this.outChannels = out;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.spec = spec;
        int fanIn = in / spec.groups() * kernelH * kernelW;
        weight = registerParameter("weight", Init.kaimingUniform(fanIn, out, in / spec.groups(), kernelH, kernelW));
        this.bias = bias ? registerParameter("bias", Init.uniform(1 / Math.sqrt(Math.max(fanIn, 1)), out)) : null;
    }

    public Parameter weight() { return weight; }

    /** Null when built without bias. */
    public Parameter bias() { return bias; }

    @Override
    public Var forward(Var x) {
        Var y = F.conv2d(x, weight, bias, spec);
        if (loraA != null) y = F.add(y, F.mul(loraB.forward(loraA.forward(x)), loraScale));
        return y;
    }

    @Override
    public void attachLora(int rank, double alpha, Generator gen) {
        if (loraA != null) throw new IllegalStateException("Conv2d already has a LoRA adapter");
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        if (spec.groups() != 1) throw new IllegalArgumentException("LoRA on grouped convolutions is not supported (groups " + spec.groups() + ")");
        try (InitContext c = InitContext.open(weight.backend(), weight.dtype(), gen, true)) {
            loraA = registerModule("lora_A", new Conv2d(inChannels, rank, kernelH, kernelW, spec, false));
            loraB = registerModule("lora_B", new Conv2d(rank, outChannels, 1, 1, Conv2dSpec.of(1, 0), false));
            loraB.weight.assign(weight.backend().fill(weight.dtype(), 0, outChannels, rank, 1, 1));
        }
        loraScale = alpha / rank;
    }

    @Override
    public boolean hasLora() { return loraA != null; }

    @Override
    public void mergeLora() {
        if (loraA == null) throw new IllegalStateException("Conv2d has no LoRA adapter to merge");
        try (NoGrad ng = NoGrad.enter()) {
            Tensor w = weight.tensor();
            int rank = loraA.outChannels;
            Tensor b = loraB.weight.tensor().reshape(outChannels, rank);
            Tensor a = loraA.weight.tensor().reshape(rank, inChannels * kernelH * kernelW);
            Tensor delta = w.backend().matmul(b, a, false, false).reshape(w.shape());
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
