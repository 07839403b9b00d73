package dev.unitune.autograd.optim;

import dev.unitune.autograd.F;
import dev.unitune.autograd.TestTensors;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Linear;
import dev.unitune.autograd.nn.Parameter;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each optimizer against an independent plain-double implementation of its published update rule, on the
 * loss L = 0.5 sum((p - t)^2) (gradient p - t), in F64. Both sides compute the same formulas in double in a
 * possibly different order, so they agree to ~1e-15 relative; 1e-12 leaves room for five steps of rounding.
 */
class OptimizerTest {
    static final double[] START = {0.5, -1.2, 2.0, 0.1, -0.3, 0.8};
    static final double[] TARGET = {1.0, 0.0, -1.0, 0.5, 0.25, -0.5};
    static final int STEPS = 5;

    private static double[] run(Function<List<Parameter>, Optimizer> make, int[] shape) {
        Parameter p = new Parameter(TestTensors.f64(START.clone(), shape));
        Optimizer opt = make.apply(List.of(p));
        Var t = Var.constant(TestTensors.f64(TARGET, shape));
        for (int i = 0; i < STEPS; i++) {
            opt.zeroGrad();
            F.mul(F.sum(F.square(F.sub(p, t))), 0.5).backward();
            opt.step();
        }
        return p.tensor().toDoubleArray();
    }

    private static double[] grad(double[] p) {
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) g[i] = p[i] - TARGET[i];
        return g;
    }

    @Test
    void sgdWithMomentumWeightDecayAndNesterov() {
        double lr = 0.1, mu = 0.9, wd = 0.01;
        for (boolean nesterov : new boolean[]{false, true}) {
            double[] p = START.clone(), buf = null;
            for (int s = 0; s < STEPS; s++) {
                double[] g = grad(p);
                for (int i = 0; i < p.length; i++) g[i] += wd * p[i];
                if (buf == null) buf = g.clone();
                else for (int i = 0; i < p.length; i++) buf[i] = mu * buf[i] + g[i];
                for (int i = 0; i < p.length; i++) p[i] -= lr * (nesterov ? g[i] + mu * buf[i] : buf[i]);
            }
            double[] got = run(ps -> new Sgd(ps, lr, mu, 0, wd, nesterov), new int[]{6});
            assertArrayEquals(p, got, 1e-12, "nesterov=" + nesterov);
        }
    }

    @Test
    void adamWMatchesTheDecoupledRule() {
        double lr = 0.05, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1;
        double[] p = START.clone(), m = new double[6], v = new double[6];
        for (int t = 1; t <= STEPS; t++) {
            double[] g = grad(p);
            for (int i = 0; i < 6; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        assertArrayEquals(p, run(ps -> new AdamW(ps, lr, b1, b2, eps, wd), new int[]{6}), 1e-12);
    }

    /** Adafactor's factored rule on a 2x3 matrix, relative step and parameter scaling on, with beta1. */
    @Test
    void adafactorFactoredMatchesReference() {
        int rows = 2, cols = 3;
        double eps1 = 1e-30, eps2 = 1e-3, clip = 1.0, decay = -0.8, beta1 = 0.9, wd = 0.01;
        double[] p = START.clone(), r = new double[rows], c = new double[cols], m = new double[6];
        for (int t = 1; t <= STEPS; t++) {
            double[] g = grad(p);
            double lrT = Math.min(1e-2, 1 / Math.sqrt(t)) * Math.max(eps2, rms(p));
            double b2t = 1 - Math.pow(t, decay);
            double[] u = new double[6];
            for (int i = 0; i < 6; i++) u[i] = g[i] * g[i] + eps1;
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) s += u[i * cols + j];
                r[i] = b2t * r[i] + (1 - b2t) * s / cols;
            }
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int i = 0; i < rows; i++) s += u[i * cols + j];
                c[j] = b2t * c[j] + (1 - b2t) * s / rows;
            }
            double rMean = (r[0] + r[1]) / rows;
            double[] upd = new double[6];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) upd[i * cols + j] = g[i * cols + j] / Math.sqrt(r[i] / rMean) / Math.sqrt(c[j]);
            double div = Math.max(1, rms(upd) / clip);
            for (int k = 0; k < 6; k++) {
                upd[k] = upd[k] * lrT / div;
                m[k] = beta1 * m[k] + (1 - beta1) * upd[k];
                p[k] = p[k] - wd * lrT * p[k] - m[k];
            }
        }
        double[] got = run(ps -> new Adafactor(ps, 0, eps1, eps2, clip, decay, beta1, wd, true, true, false), new int[]{rows, cols});
        assertArrayEquals(p, got, 1e-12);
    }

    @Test
    void adafactorKeepsOnlyFactoredStateForMatrices() {
        Parameter w = new Parameter(TestTensors.cpu().fill(DType.F32, 0.1, 4, 5)), b = new Parameter(TestTensors.cpu().fill(DType.F32, 0.1, 5));
        Adafactor opt = new Adafactor(List.of(w, b), 1e-3);
        w.setGrad(TestTensors.cpu().fill(DType.F32, 1, 4, 5));
        b.setGrad(TestTensors.cpu().fill(DType.F32, 1, 5));
        opt.step();
        LinkedHashMap<String, Tensor> sd = opt.stateDict();
        assertArrayEquals(new int[]{4}, sd.get("state.0.exp_avg_sq_row").shape());
        assertArrayEquals(new int[]{5}, sd.get("state.0.exp_avg_sq_col").shape());
        assertFalse(sd.containsKey("state.0.exp_avg"), "no first moment by default");
        assertArrayEquals(new int[]{5}, sd.get("state.1.exp_avg_sq").shape());
    }

    @Test
    void gradClipScalesByGlobalNorm() {
        Parameter a = new Parameter(TestTensors.f64(new double[]{0, 0}, 2)), b = new Parameter(TestTensors.f64(new double[]{0}, 1));
        a.setGrad(TestTensors.f64(new double[]{3, 0}, 2));
        b.setGrad(TestTensors.f64(new double[]{4}, 1));
        assertEquals(5, GradClip.clipGradNorm(List.of(a, b), 1.0), 1e-12);
        double k = 1 / (5 + 1e-6);
        assertArrayEquals(new double[]{3 * k, 0}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{4 * k}, b.grad().toDoubleArray(), 1e-15);
        assertEquals(1.0, GradClip.clipGradNorm(List.of(a, b), 10.0), 1e-6);
        assertArrayEquals(new double[]{4 * k}, b.grad().toDoubleArray(), 1e-15, "below the limit nothing changes");
    }

    @Test
    void schedules() {
        assertEquals(0.1, LrSchedule.constant(0.1).lr(123));
        LrSchedule w = LrSchedule.linearWarmup(1.0, 4);
        assertEquals(0.0, w.lr(0));
        assertEquals(0.5, w.lr(2));
        assertEquals(1.0, w.lr(4));
        assertEquals(1.0, w.lr(100));
        LrSchedule c = LrSchedule.cosine(1.0, 10, 110, 0.0);
        assertEquals(0.5, c.lr(5), 1e-15);
        assertEquals(1.0, c.lr(10), 1e-15);
        assertEquals(0.5, c.lr(60), 1e-15);
        assertEquals(0.0, c.lr(110), 1e-15);
        assertEquals(0.0, c.lr(500), 1e-15);
        Parameter p = new Parameter(TestTensors.f64(new double[]{1}, 1));
        Sgd opt = new Sgd(List.of(p), 99);
        w.apply(opt);
        assertEquals(0.0, opt.lr());
    }

    @Test
    void emaAveragesWeights() {
        Linear model = new Linear(2, 1);
        model.to(DType.F64);
        Tensor w0 = model.weight().tensor();
        Ema ema = new Ema(model, 0.9);
        model.weight().assign(TestTensors.cpu().binaryScalar(dev.unitune.tensor.BinaryOp.ADD, w0, 1.0));
        ema.update();
        double[] expect = w0.toDoubleArray();
        for (int i = 0; i < expect.length; i++) expect[i] += 0.1;
        assertArrayEquals(expect, ema.stateDict().get("weight").toDoubleArray(), 1e-15);
        Linear copy = new Linear(2, 1);
        copy.to(DType.F64);
        ema.copyTo(copy);
        assertArrayEquals(expect, copy.weight().tensor().toDoubleArray(), 1e-15);
    }

    @Test
    void optimizersRefuseFrozenOrMissingParameters() {
        Parameter p = new Parameter(TestTensors.f64(new double[]{1}, 1), false);
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(p), 1e-3));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), 1e-3));
        Parameter q = new Parameter(TestTensors.f64(new double[]{1, 2}, 2));
        AdamW opt = new AdamW(List.of(q), 1e-3);
        LinkedHashMap<String, Tensor> bad = new LinkedHashMap<>(opt.stateDict());
        bad.put("state.3.exp_avg", TestTensors.f64(new double[]{1, 2}, 2));
        assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
    }

    private static double rms(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return Math.sqrt(s / x.length);
    }
}
