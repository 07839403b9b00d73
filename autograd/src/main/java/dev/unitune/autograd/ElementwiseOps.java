package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import static dev.unitune.autograd.Grads.*;

/** Differentiable elementwise ops: binary with broadcasting, tensor-scalar, unary, where, clamp, cast. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double GELU_TANH_C = 0.044715;
    private static final double QUICK_GELU_C = 1.702;

    static Var binary(BinaryOp op, Var a, Var b) {
        Tensor x = a.tensor(), y = b.tensor();
        Backend be = x.backend();
        Tensor out = be.binary(op, x, y);
        if (op.isComparison() || !Graph.needsGrad(a, b)) return Var.constant(out);
        int[] sa = a.shape(), sb = b.shape();
        boolean ga = Graph.wants(a), gb = Graph.wants(b);
        BackwardFn fn = switch (op) {
            case ADD -> g -> new Tensor[]{ga ? sumTo(g, sa) : null, gb ? sumTo(g, sb) : null};
            case SUB -> g -> new Tensor[]{ga ? sumTo(g, sa) : null, gb ? sumTo(be.unary(UnaryOp.NEG, g), sb) : null};
            case MUL -> g -> new Tensor[]{ga ? sumTo(mul(g, y), sa) : null, gb ? sumTo(mul(g, x), sb) : null};
            case DIV -> g -> new Tensor[]{ga ? sumTo(div(g, y), sa) : null,
                    gb ? sumTo(be.unary(UnaryOp.NEG, div(mul(g, out), y)), sb) : null};
            case POW -> g -> new Tensor[]{
                    // d/da a^b = b a^(b-1); d/db a^b = a^b ln a (defined for a > 0)
                    ga ? sumTo(mul(g, mul(y, be.binary(BinaryOp.POW, x, addScalar(y, -1)))), sa) : null,
                    gb ? sumTo(mul(g, mul(out, be.unary(UnaryOp.LOG, x))), sb) : null};
            case MAX, MIN -> g -> {
                // the larger (smaller) input takes the gradient; ties split it evenly, as torch.maximum does
                BinaryOp wins = op == BinaryOp.MAX ? BinaryOp.GT : BinaryOp.LT;
                Tensor wa = add(mask(be.binary(wins, x, y), g.dtype()), scale(mask(be.binary(BinaryOp.EQ, x, y), g.dtype()), 0.5));
                Tensor wb = be.binaryScalar(BinaryOp.SUB, be.unary(UnaryOp.NEG, wa), -1); // 1 - wa
                return new Tensor[]{ga ? sumTo(mul(g, wa), sa) : null, gb ? sumTo(mul(g, wb), sb) : null};
            };
            case ATAN2 -> g -> {
                Tensor r2 = add(mul(x, x), mul(y, y));
                return new Tensor[]{ga ? sumTo(mul(g, div(y, r2)), sa) : null,
                        gb ? sumTo(be.unary(UnaryOp.NEG, mul(g, div(x, r2))), sb) : null};
            };
            default -> throw new IllegalArgumentException("no gradient for binary op " + op);
        };
        return Var.fromOp(op.name().toLowerCase(), out, fn, a, b);
    }

    /** x op s for ADD, SUB, MUL, DIV, POW, MAX, MIN; reverse=true computes s op x (for SUB, DIV, POW). */
    static Var scalar(BinaryOp op, Var a, double s, boolean reverse) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        Tensor out;
        if (!reverse) out = be.binaryScalar(op, x, s);
        else if (op == BinaryOp.SUB) out = be.binaryScalar(BinaryOp.ADD, be.unary(UnaryOp.NEG, x), s);
        else if (op == BinaryOp.DIV) out = be.binaryScalar(BinaryOp.MUL, be.unary(UnaryOp.RECIPROCAL, x), s);
        else if (op == BinaryOp.POW) out = be.unary(UnaryOp.EXP, be.binaryScalar(BinaryOp.MUL, x, Math.log(s)));
        else out = be.binaryScalar(op, x, s); // commutative ops
        if (op.isComparison() || !Graph.needsGrad(a)) return Var.constant(out);
        BackwardFn fn = switch (op) {
            case ADD -> g -> new Tensor[]{g};
            case SUB -> g -> new Tensor[]{reverse ? be.unary(UnaryOp.NEG, g) : g};
            case MUL -> g -> new Tensor[]{scale(g, s)};
            case DIV -> g -> new Tensor[]{reverse ? be.unary(UnaryOp.NEG, div(mul(g, out), x)) : scale(g, 1 / s)};
            case POW -> g -> new Tensor[]{reverse
                    ? scale(mul(g, out), Math.log(s))                                   // d/dx s^x = s^x ln s
                    : mul(g, scale(be.binaryScalar(BinaryOp.POW, x, s - 1), s))};      // d/dx x^s = s x^(s-1)
            case MAX, MIN -> g -> {
                BinaryOp wins = op == BinaryOp.MAX ? BinaryOp.GT : BinaryOp.LT;
                Tensor w = add(mask(be.binaryScalar(wins, x, s), g.dtype()), scale(mask(be.binaryScalar(BinaryOp.EQ, x, s), g.dtype()), 0.5));
                return new Tensor[]{mul(g, w)};
            };
            default -> throw new IllegalArgumentException("no gradient for scalar op " + op);
        };
        return Var.fromOp((reverse ? "r" : "") + op.name().toLowerCase() + "_scalar", out, fn, a);
    }

    static Var unary(UnaryOp op, Var a) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        Tensor y = be.unary(op, x);
        if (!Graph.needsGrad(a) || !differentiable(op)) return Var.constant(y);
        BackwardFn fn = g -> new Tensor[]{unaryGrad(op, be, g, x, y)};
        return Var.fromOp(op.name().toLowerCase(), y, fn, a);
    }

    /** Piecewise-constant ops (sign, floor, ...) have zero gradient almost everywhere: no graph is recorded. */
    static boolean differentiable(UnaryOp op) {
        return switch (op) {
            case SIGN, FLOOR, CEIL, ROUND, NOT -> false;
            default -> true;
        };
    }

    private static Tensor unaryGrad(UnaryOp op, Backend be, Tensor g, Tensor x, Tensor y) {
        return switch (op) {
            case NEG -> be.unary(UnaryOp.NEG, g);
            case ABS -> mul(g, be.unary(UnaryOp.SIGN, x));
            case EXP -> mul(g, y);
            case LOG -> div(g, x);
            case SQRT -> div(scale(g, 0.5), y);
            case RSQRT -> mul(g, scale(mul(y, mul(y, y)), -0.5));
            case RECIPROCAL -> be.unary(UnaryOp.NEG, mul(g, mul(y, y)));
            case SQUARE -> mul(g, scale(x, 2));
            case SIN -> mul(g, be.unary(UnaryOp.COS, x));
            case COS -> be.unary(UnaryOp.NEG, mul(g, be.unary(UnaryOp.SIN, x)));
            case TANH -> mul(g, oneMinus(be, mul(y, y)));
            case SIGMOID -> mul(g, mul(y, oneMinus(be, y)));
            case RELU -> mul(g, mask(be.binaryScalar(BinaryOp.GT, x, 0), g.dtype()));
            case SILU -> { // s (1 + x (1 - s))
                Tensor s = be.unary(UnaryOp.SIGMOID, x);
                yield mul(g, mul(s, addScalar(mul(x, oneMinus(be, s)), 1)));
            }
            case GELU -> { // Phi(x) + x phi(x)
                Tensor cdf = scale(addScalar(be.unary(UnaryOp.ERF, scale(x, INV_SQRT_2)), 1), 0.5);
                Tensor pdf = scale(be.unary(UnaryOp.EXP, scale(mul(x, x), -0.5)), INV_SQRT_2PI);
                yield mul(g, add(cdf, mul(x, pdf)));
            }
            case GELU_TANH -> { // 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3c x^2), t = tanh(sqrt(2/pi)(x + c x^3))
                Tensor x2 = mul(x, x);
                Tensor t = be.unary(UnaryOp.TANH, scale(add(x, scale(mul(x2, x), GELU_TANH_C)), SQRT_2_OVER_PI));
                Tensor inner = scale(addScalar(scale(x2, 3 * GELU_TANH_C), 1), SQRT_2_OVER_PI);
                Tensor d = add(scale(addScalar(t, 1), 0.5), mul(scale(x, 0.5), mul(oneMinus(be, mul(t, t)), inner)));
                yield mul(g, d);
            }
            case QUICK_GELU -> { // s + 1.702 x s (1 - s), s = sigmoid(1.702 x)
                Tensor s = be.unary(UnaryOp.SIGMOID, scale(x, QUICK_GELU_C));
                yield mul(g, add(s, scale(mul(x, mul(s, oneMinus(be, s))), QUICK_GELU_C)));
            }
            case ERF -> mul(g, scale(be.unary(UnaryOp.EXP, be.unary(UnaryOp.NEG, mul(x, x))), TWO_OVER_SQRT_PI));
            case LOG1P -> div(g, addScalar(x, 1));
            case EXPM1 -> mul(g, addScalar(y, 1));
            default -> throw new IllegalArgumentException("no gradient for unary op " + op);
        };
    }

    private static Tensor oneMinus(Backend be, Tensor t) { return be.binaryScalar(BinaryOp.ADD, be.unary(UnaryOp.NEG, t), 1); }

    static Var where(Var cond, Var a, Var b) {
        Tensor c = cond.tensor(), x = a.tensor(), y = b.tensor();
        Backend be = x.backend();
        Tensor out = be.where(c, x, y);
        if (!Graph.needsGrad(a, b)) return Var.constant(out);
        int[] sa = a.shape(), sb = b.shape();
        boolean ga = Graph.wants(a), gb = Graph.wants(b);
        BackwardFn fn = g -> {
            Tensor zero = be.fill(g.dtype(), 0, 1);
            return new Tensor[]{null, ga ? sumTo(be.where(c, g, zero), sa) : null, gb ? sumTo(be.where(c, zero, g), sb) : null};
        };
        return Var.fromOp("where", out, fn, cond, a, b);
    }

    /** Gradient passes where lo <= x <= hi (PyTorch's convention at the bounds). */
    static Var clamp(Var a, double lo, double hi) {
        Tensor x = a.tensor();
        Backend be = x.backend();
        Tensor out = be.clamp(x, lo, hi);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        BackwardFn fn = g -> {
            Tensor inside = be.binary(BinaryOp.AND, be.binaryScalar(BinaryOp.GE, x, lo), be.binaryScalar(BinaryOp.LE, x, hi));
            return new Tensor[]{mul(g, mask(inside, g.dtype()))};
        };
        return Var.fromOp("clamp", out, fn, a);
    }

    static Var cast(Var a, DType dtype) {
        if (a.dtype() == dtype) return a;
        Tensor out = a.tensor().backend().cast(a.tensor(), dtype);
        if (!dtype.isFloating() || !Graph.needsGrad(a)) return Var.constant(out);
        DType from = a.dtype();
        return Var.fromOp("cast", out, g -> new Tensor[]{g.backend().cast(g, from)}, a);
    }
}
