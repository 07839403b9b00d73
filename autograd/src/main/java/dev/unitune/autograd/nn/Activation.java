package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.UnaryOp;

import java.util.Locale;

/** Parameter-free activation layers: SiLU, GELU (exact and tanh), QuickGELU, ReLU, Tanh, Sigmoid. */
public class Activation extends Module {
    private final UnaryOp op;

    public Activation(UnaryOp op) { this.op = op; }

    public static Activation silu() { return new Activation(UnaryOp.SILU); }
    public static Activation gelu() { return new Activation(UnaryOp.GELU); }
    public static Activation geluTanh() { return new Activation(UnaryOp.GELU_TANH); }
    public static Activation quickGelu() { return new Activation(UnaryOp.QUICK_GELU); }
    public static Activation relu() { return new Activation(UnaryOp.RELU); }

    /**
     * The activation a config names (transformers' hidden_act / diffusers' act_fn): "silu"/"swish", "gelu",
     * "gelu_pytorch_tanh"/"gelu_new"/"gelu_tanh", "quick_gelu", "relu", "tanh", "sigmoid".
     */
    public static Activation byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "silu", "swish" -> silu();
            case "gelu" -> gelu();
            case "gelu_pytorch_tanh", "gelu_new", "gelu_tanh" -> geluTanh();
            case "quick_gelu" -> quickGelu();
            case "relu" -> relu();
            case "tanh" -> new Activation(UnaryOp.TANH);
            case "sigmoid" -> new Activation(UnaryOp.SIGMOID);
            default -> throw new IllegalArgumentException("unknown activation '" + name
                    + "' (known: silu, swish, gelu, gelu_pytorch_tanh, gelu_new, quick_gelu, relu, tanh, sigmoid)");
        };
    }

    public UnaryOp op() { return op; }

    @Override
    public Var forward(Var x) { return F.unary(op, x); }

    @Override
    public String toString() { return "Activation(" + op.name().toLowerCase(Locale.ROOT) + ")"; }
}
