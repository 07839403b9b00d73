package dev.unitune.autograd.optim;

import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Adafactor (Shazeer and Stern 2018) as implemented in transformers.optimization.Adafactor. Second moments
 * of parameters with rank >= 2 are factored into a row vector (mean over the last dim) and a column vector
 * (mean over the second-last dim), so state costs O(rows + cols) instead of O(rows x cols); no first moment
 * unless beta1 is given. Per step t: beta2_t = 1 - t^decayRate; u = g^2 + eps1; factored
 * r = beta2_t r + (1-beta2_t) mean_-1(u), c likewise over -2, update = g rsqrt(r / mean(r)) rsqrt(c);
 * else v = beta2_t v + (1-beta2_t) u, update = g rsqrt(v); update /= max(1, RMS(update)/clip); update *= lr_t;
 * optional m = beta1 m + (1-beta1) update; p -= wd lr_t p; p -= update. With relativeStep the step size is
 * min(1e-2 (1e-6 t with warmupInit), 1/sqrt(t)); with scaleParameter it is multiplied by max(eps2, RMS(p)).
 */
public final class Adafactor extends Optimizer {
    private final double eps1, eps2, clipThreshold, decayRate, beta1, weightDecay;
    private final boolean scaleParameter, relativeStep, warmupInit;

    /** A fixed learning rate, no parameter scaling, no first moment (the usual fine-tuning set-up). */
    public Adafactor(List<? extends Var> params, double lr) {
        this(params, lr, 1e-30, 1e-3, 1.0, -0.8, Double.NaN, 0, false, false, false);
    }

    /** Everything as transformers' Adafactor; beta1 NaN = no first moment; lr ignored when relativeStep. */
    public Adafactor(List<? extends Var> params, double lr, double eps1, double eps2, double clipThreshold, double decayRate,
                     double beta1, double weightDecay, boolean scaleParameter, boolean relativeStep, boolean warmupInit) {
        super(params, lr);
        if (warmupInit && !relativeStep) throw new IllegalArgumentException("Adafactor warmupInit requires relativeStep");
        this.eps1 = eps1;
        this.eps2 = eps2;
        this.clipThreshold = clipThreshold;
        this.decayRate = decayRate;
        this.beta1 = beta1;
        this.weightDecay = weightDecay;
        this.scaleParameter = scaleParameter;
        this.relativeStep = relativeStep;
        this.warmupInit = warmupInit;
    }

    private static double rms(Tensor t) {
        Backend be = t.backend();
        return Math.sqrt(be.reduce(ReduceOp.MEAN, be.unary(UnaryOp.SQUARE, t), new int[0], false).item());
    }

    /** The step size this parameter gets at the current step. */
    private double stepSize(Tensor w) {
        double rel = lr;
        if (relativeStep) rel = Math.min(warmupInit ? 1e-6 * step : 1e-2, 1 / Math.sqrt(step));
        double scale = scaleParameter ? Math.max(eps2, rms(w)) : 1;
        return scale * rel;
    }

    @Override
    protected void update(Var p, Tensor g, LinkedHashMap<String, Tensor> st) {
        Backend be = p.backend();
        Tensor w = p.tensor();
        int[] shape = w.shape();
        boolean factored = shape.length >= 2;
        double lrT = stepSize(w);
        double beta2t = 1 - Math.pow(step, decayRate);
        Tensor u = be.binaryScalar(BinaryOp.ADD, be.unary(UnaryOp.SQUARE, g), eps1);
        Tensor update;
        if (factored) {
            Tensor row = st.get("exp_avg_sq_row"), col = st.get("exp_avg_sq_col");
            if (row == null) row = be.fill(w.dtype(), 0, rowShape(shape));
            if (col == null) col = be.fill(w.dtype(), 0, colShape(shape));
            row = ema(be, row, be.reduce(ReduceOp.MEAN, u, new int[]{shape.length - 1}, false), beta2t);
            col = ema(be, col, be.reduce(ReduceOp.MEAN, u, new int[]{shape.length - 2}, false), beta2t);
            st.put("exp_avg_sq_row", row);
            st.put("exp_avg_sq_col", col);
            Tensor rowMean = be.reduce(ReduceOp.MEAN, row, new int[]{row.rank() - 1}, true);
            Tensor rFactor = be.unary(UnaryOp.RSQRT, be.binary(BinaryOp.DIV, row, rowMean)).unsqueeze(-1);
            Tensor cFactor = be.unary(UnaryOp.RSQRT, col).unsqueeze(-2);
            update = be.binary(BinaryOp.MUL, be.binary(BinaryOp.MUL, rFactor, cFactor), g);
        } else {
            Tensor v = st.get("exp_avg_sq");
            if (v == null) v = be.fill(w.dtype(), 0, shape);
            v = ema(be, v, u, beta2t);
            st.put("exp_avg_sq", v);
            update = be.binary(BinaryOp.MUL, be.unary(UnaryOp.RSQRT, v), g);
        }
        double clipDiv = Math.max(1.0, rms(update) / clipThreshold);
        update = be.binaryScalar(BinaryOp.MUL, update, lrT / clipDiv);
        if (!Double.isNaN(beta1)) {
            Tensor m = st.get("exp_avg");
            if (m == null) m = be.fill(w.dtype(), 0, shape);
            m = ema(be, m, update, beta1);
            st.put("exp_avg", m);
            update = m;
        }
        if (weightDecay != 0) w = be.binary(BinaryOp.ADD, w, be.binaryScalar(BinaryOp.MUL, w, -weightDecay * lrT));
        p.assign(be.binary(BinaryOp.SUB, w, update));
    }

    /** beta * old + (1 - beta) * x. */
    private static Tensor ema(Backend be, Tensor old, Tensor x, double beta) {
        return be.binary(BinaryOp.ADD, be.binaryScalar(BinaryOp.MUL, old, beta), be.binaryScalar(BinaryOp.MUL, x, 1 - beta));
    }

    private static int[] rowShape(int[] s) { return Arrays.copyOf(s, s.length - 1); }

    private static int[] colShape(int[] s) {
        int[] c = Arrays.copyOf(s, s.length - 1);
        c[s.length - 2] = s[s.length - 1];
        return c;
    }

    @Override
    protected void checkStateShape(String key, String name, Var p, Tensor t) {
        int[] s = p.shape();
        int[] want = switch (name) {
            case "exp_avg_sq_row" -> rowShape(s);
            case "exp_avg_sq_col" -> colShape(s);
            default -> s;
        };
        if (!Arrays.equals(want, t.shape()))
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + Shape.str(t.shape()) + ", expected " + Shape.str(want));
    }
}
