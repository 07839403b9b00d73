package dev.unitune.autograd;

import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.Tensor;
import dev.unitune.autograd.nn.Losses;
import dev.unitune.tensor.testing.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

import static dev.unitune.autograd.TestTensors.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every differentiable op, checked in F64 against central finite differences (see {@link GradCheck}) on
 * random shapes, through the project's property harness ({@link Property}: QuickTheories draws the case
 * seeds and shrinks a failure); each case draws its shapes and values from its seed, and half the cases
 * feed the analytical pass non-contiguous views of the inputs.
 * Inputs avoid the kinks of piecewise ops (|x| away from 0 for abs/relu, away from clamp bounds, distinct
 * values for max/min) where a finite difference straddles a non-differentiable point.
 */
class GradCheckAllOpsTest {
    private static final int TRIALS = 4;
    private static double worstRel = 0;
    private static int casesChecked = 0;
    private static String worstOp = "";

    record Case(Tensor[] inputs, Function<Var[], Var> f) {}

    interface CaseMaker { Case make(Random r); }

    private static final List<Object[]> CASES = new ArrayList<>();

    private static void op(String name, CaseMaker m) { CASES.add(new Object[]{name, m}); }

    private static int d(Random r, int lo, int hi) { return lo + r.nextInt(hi - lo + 1); }

    private static Case c(Function<Var[], Var> f, Tensor... in) { return new Case(in, f); }

    private static Tensor u(Random r, int... shape) { return randF64(r, -1, 1, shape); }

    static {
        // ---- elementwise with broadcasting: b gets size-1 and missing leading dims
        for (String name : new String[]{"add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2"}) {
            op(name, r -> {
                int a = d(r, 1, 3), b = d(r, 2, 4), cc = d(r, 1, 3);
                Tensor x = name.equals("pow") ? randF64(r, 0.5, 2, a, b, cc) : u(r, a, b, cc);
                Tensor y = name.equals("div") ? randAwayFromZero(r, 0.5, 2, b, 1) : name.equals("pow") ? randF64(r, -1.5, 1.5, b, 1) : u(r, b, 1);
                Function<Var[], Var> f = switch (name) {
                    case "add" -> v -> F.add(v[0], v[1]);
                    case "sub" -> v -> F.sub(v[0], v[1]);
                    case "mul" -> v -> F.mul(v[0], v[1]);
                    case "div" -> v -> F.div(v[0], v[1]);
                    case "pow" -> v -> F.pow(v[0], v[1]);
                    case "maximum" -> v -> F.maximum(v[0], v[1]);
                    case "minimum" -> v -> F.minimum(v[0], v[1]);
                    default -> v -> F.atan2(v[0], v[1]);
                };
                return c(f, x, y);
            });
        }
        op("scalar_ops", r -> c(v -> F.add(F.mul(F.sub(F.rsub(2.5, F.add(v[0], 0.3)), 1.25), -1.5), 0.7), u(r, d(r, 1, 4), d(r, 1, 4))));
        op("div_rdiv_scalar", r -> c(v -> F.add(F.div(v[0], 3.0), F.rdiv(2.0, v[0])), randAwayFromZero(r, 0.5, 2, d(r, 1, 5))));
        op("pow_scalar", r -> c(v -> F.pow(v[0], 2.7), randF64(r, 0.3, 2, d(r, 1, 5), 2)));
        op("max_min_scalar", r -> c(v -> F.minimum(F.maximum(v[0], 0.1), 0.6), randAwayFromMarks(r, new double[]{0.1, 0.6}, d(r, 2, 6))));
        // ---- unary
        String[] unaries = {"neg", "abs", "exp", "log", "sqrt", "rsqrt", "reciprocal", "square", "sin", "cos", "tanh", "sigmoid",
                "relu", "silu", "gelu", "gelu_tanh", "quick_gelu", "erf", "log1p", "expm1"};
        for (String name : unaries) {
            op(name, r -> {
                int[] s = {d(r, 1, 3), d(r, 1, 5)};
                Tensor x = switch (name) {
                    case "log", "sqrt", "rsqrt" -> randF64(r, 0.3, 3, s);
                    case "reciprocal", "abs", "relu" -> randAwayFromZero(r, 0.2, 2, s);
                    case "log1p" -> randF64(r, -0.5, 2, s);
                    default -> randF64(r, -3, 3, s);
                };
                return c(v -> F.unary(dev.unitune.tensor.UnaryOp.valueOf(name.toUpperCase(Locale.ROOT)), v[0]), x);
            });
        }
        op("where", r -> {
            int a = d(r, 2, 4), b = d(r, 2, 4);
            Tensor cond = cpu().binaryScalar(dev.unitune.tensor.BinaryOp.GT, u(r, a, b), 0);
            return c(v -> F.where(cond, v[0], v[1]), u(r, a, b), u(r, 1, b));
        });
        op("clamp", r -> c(v -> F.clamp(v[0], -0.4, 0.5), randAwayFromMarks(r, new double[]{-0.4, 0.5}, d(r, 2, 8))));
        op("cast_f64_f64_chain", r -> c(v -> F.cast(F.cast(v[0], DType.F64), DType.F64), u(r, 3)));
        // ---- reductions
        for (boolean keep : new boolean[]{false, true}) {
            String k = keep ? "_keep" : "";
            op("sum" + k, r -> c(v -> F.sum(v[0], new int[]{1}, keep), u(r, d(r, 1, 3), d(r, 2, 4), d(r, 1, 3))));
            op("sum_all" + k, r -> c(v -> F.sum(v[0], new int[0], keep), u(r, d(r, 1, 3), d(r, 2, 4))));
            op("mean" + k, r -> c(v -> F.mean(v[0], new int[]{0, 2}, keep), u(r, d(r, 1, 3), d(r, 2, 4), d(r, 1, 3))));
            op("max" + k, r -> c(v -> F.max(v[0], new int[]{-1}, keep), distinct(r, d(r, 1, 3), d(r, 2, 5))));
            op("min" + k, r -> c(v -> F.min(v[0], new int[]{0}, keep), distinct(r, d(r, 2, 4), d(r, 1, 3))));
            op("prod" + k, r -> c(v -> F.prod(v[0], new int[]{1}, keep), randAwayFromZero(r, 0.5, 1.5, d(r, 1, 3), d(r, 2, 4))));
            op("var" + k, r -> c(v -> F.var(v[0], new int[]{1}, 1, keep), u(r, d(r, 1, 3), d(r, 2, 5))));
            op("var_pop" + k, r -> c(v -> F.var(v[0], new int[]{0, 1}, 0, keep), u(r, d(r, 2, 3), d(r, 2, 4))));
        }
        // ---- linear algebra
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            op("matmul_t" + (ta ? "1" : "0") + (tb ? "1" : "0"), r -> {
                int bt = d(r, 1, 3), m = d(r, 1, 4), k = d(r, 1, 4), n = d(r, 1, 4);
                Tensor a = ta ? u(r, bt, k, m) : u(r, bt, m, k);
                Tensor b = tb ? u(r, 1, n, k) : u(r, 1, k, n); // broadcast batch
                return c(v -> F.matmul(v[0], v[1], ta, tb), a, b);
            });
        }
        op("linear", r -> {
            int in = d(r, 1, 5), out = d(r, 1, 4);
            return c(v -> F.linear(v[0], v[1], v[2]), u(r, d(r, 1, 2), d(r, 1, 3), in), u(r, out, in), u(r, out));
        });
        // ---- convolution, pooling, resampling
        op("conv2d", r -> {
            int stride = d(r, 1, 2), pad = d(r, 0, 1), dil = d(r, 1, 2), groups = d(r, 1, 2);
            int cin = groups * d(r, 1, 2), cout = groups * d(r, 1, 2), k = d(r, 1, 3);
            int h = d(r, 4, 6), w = d(r, 4, 6);
            Conv2dSpec spec = Conv2dSpec.of(stride, pad, dil, groups);
            return c(v -> F.conv2d(v[0], v[1], v[2], spec), u(r, d(r, 1, 2), cin, h, w), u(r, cout, cin / groups, k, k), u(r, cout));
        });
        op("conv2d_nobias", r -> c(v -> F.conv2d(v[0], v[1], null, Conv2dSpec.of(2, 1)), u(r, 1, 2, 5, 4), u(r, 3, 2, 3, 3)));
        op("upsample_nearest", r -> { int fh = d(r, 1, 2); return c(v -> F.upsampleNearest(v[0], fh, 2), u(r, 1, d(r, 1, 2), d(r, 1, 3), d(r, 1, 3))); });
        op("avg_pool2d", r -> { Pool2dSpec spec = new Pool2dSpec(2, 2, d(r, 1, 2), 2, 1, 0); return c(v -> F.avgPool2d(v[0], spec), u(r, 1, 2, d(r, 3, 5), d(r, 4, 6))); });
        op("max_pool2d", r -> c(v -> F.maxPool2d(v[0], Pool2dSpec.of(2, 2)), distinct(r, 1, 2, d(r, 2, 4) * 2, 4)));
        // ---- softmax, norms, attention
        op("softmax", r -> { int axis = d(r, 0, 1); return c(v -> F.softmax(v[0], axis), u(r, d(r, 1, 3), d(r, 2, 5))); });
        op("log_softmax", r -> c(v -> F.logSoftmax(v[0], -1), u(r, d(r, 1, 3), d(r, 2, 5))));
        op("group_norm", r -> {
            int g = d(r, 1, 2), ch = g * d(r, 1, 3);
            return c(v -> F.groupNorm(v[0], g, v[1], v[2], 1e-5), u(r, d(r, 1, 2), ch, d(r, 1, 3), d(r, 2, 3)), randF64(r, 0.5, 1.5, ch), u(r, ch));
        });
        op("group_norm_noaffine", r -> c(v -> F.groupNorm(v[0], 2, null, null, 1e-5), u(r, 2, 4, 3, 2)));
        op("layer_norm", r -> {
            int n = d(r, 2, 5);
            return c(v -> F.layerNorm(v[0], 1, v[1], v[2], 1e-5), u(r, d(r, 1, 2), d(r, 1, 3), n), randF64(r, 0.5, 1.5, n), u(r, n));
        });
        op("layer_norm_2d", r -> c(v -> F.layerNorm(v[0], 2, v[1], v[2], 1e-5), u(r, 2, 3, 4), u(r, 3, 4), u(r, 3, 4)));
        op("attention", r -> {
            int b = d(r, 1, 2), h = d(r, 1, 2), lq = d(r, 1, 4), lk = d(r, 1, 4), dd = d(r, 1, 4), dv = d(r, 1, 3);
            return c(v -> F.attention(v[0], v[1], v[2], null, false), u(r, b, h, lq, dd), u(r, b, h, lk, dd), u(r, b, h, lk, dv));
        });
        op("attention_causal", r -> {
            int lq = d(r, 2, 5), lk = d(r, 1, 4);
            return c(v -> F.attention(v[0], v[1], v[2], null, 0.7, true), u(r, 1, 2, lq, 3), u(r, 1, 2, lk, 3), u(r, 1, 2, lk, 2));
        });
        op("attention_mask", r -> {
            int lq = d(r, 1, 4), lk = d(r, 2, 4);
            double[] m = new double[lq * lk];
            for (int i = 0; i < m.length; i++) m[i] = i % lk == 0 ? 0 : (r.nextInt(3) == 0 ? Double.NEGATIVE_INFINITY : r.nextDouble() - 0.5);
            Tensor mask = f64(m, 1, 1, lq, lk);
            return c(v -> F.attention(v[0], v[1], v[2], mask, false), u(r, 2, 2, lq, 3), u(r, 2, 2, lk, 3), u(r, 2, 2, lk, 3));
        });
        // ---- indexing
        op("index_select", r -> {
            Tensor idx = i64(new long[]{2, 0, 2, 1}, 4);
            return c(v -> F.indexSelect(v[0], 1, idx), u(r, d(r, 1, 2), 3, d(r, 1, 3)));
        });
        op("embedding", r -> c(v -> F.embedding(v[0], i64(new long[]{1, 3, 1, 0, 4, 4}, 2, 3)), u(r, 5, d(r, 1, 4))));
        op("gather", r -> c(v -> F.gather(v[0], 1, i64(new long[]{0, 2, 2, 1, 1, 0}, 2, 3)), u(r, 2, 3)));
        op("index_add", r -> { int cols = d(r, 1, 3); return c(v -> F.indexAdd(v[0], 0, i64(new long[]{3, 0, 3}, 3), v[1]), u(r, 4, cols), u(r, 3, cols)); });
        op("scatter_add", r -> c(v -> F.scatterAdd(v[0], 1, i64(new long[]{0, 2, 2, 1, 1, 1}, 2, 3), v[1]), u(r, 2, 3), u(r, 2, 3)));
        // ---- layout
        op("concat", r -> c(v -> F.concat(1, v[0], v[1], v[2]), u(r, 2, d(r, 1, 3), 2), u(r, 2, d(r, 1, 3), 2), u(r, 2, 1, 2)));
        op("split", r -> c(v -> { List<Var> p = F.split(v[0], new int[]{1, 3, 1}, 1); return F.add(F.mul(p.get(0), 2.0), F.sum(F.mul(p.get(1), p.get(1)), new int[]{1}, true)); }, u(r, 2, 5, 2)));
        op("chunk", r -> c(v -> { List<Var> p = F.chunk(v[0], 3, 0); return F.concat(0, p.get(2), F.mul(p.get(0), p.get(0)), p.get(1)); }, u(r, 7, 2)));
        op("narrow_select", r -> c(v -> F.add(F.narrow(v[0], -1, 1, 2), F.unsqueeze(F.select(v[0], 1, 3), 1)), u(r, d(r, 1, 3), 4)));
        op("reshape_flatten", r -> c(v -> F.mul(F.reshape(v[0], 3, -1), F.flatten(F.reshape(v[0], 3, 2, 2), 1)), u(r, 2, 6)));
        op("permute_transpose", r -> c(v -> F.mul(F.permute(v[0], 2, 0, 1), F.transpose(F.transpose(F.permute(v[0], 2, 0, 1), 0, 2), 0, 2)), u(r, d(r, 1, 3), d(r, 1, 3), d(r, 1, 3))));
        op("expand", r -> c(v -> F.mul(F.expand(v[0], 3, 2, 4), F.expand(v[0], 3, 2, 4)), u(r, 2, 1)));
        op("squeeze_unsqueeze", r -> c(v -> F.unsqueeze(F.mul(F.squeeze(v[0], 1), 3.0), 0), u(r, 3, 1, 2)));
        op("pad", r -> c(v -> F.mul(F.pad(v[0], new int[]{1, 2, 0, 1}, 0.5), F.pad(v[0], new int[]{1, 2, 0, 1}, 0.5)), u(r, 2, d(r, 1, 3), d(r, 1, 3))));
        op("contiguous", r -> c(v -> F.contiguous(F.transpose(v[0], 0, 1)), u(r, 2, 3)));
        op("dropout_fixed_seed", r -> c(v -> F.dropout(v[0], 0.4, true, new Generator(77)), u(r, 3, 5)));
        // ---- losses built from the ops above
        op("mse", r -> c(v -> Losses.mse(v[0], v[1]), u(r, 2, 3), u(r, 2, 3)));
        op("l1", r -> c(v -> Losses.l1(v[0], v[1]), randAwayFromZero(r, 0.1, 1, 2, 3), f64(new double[6], 2, 3)));
        op("cross_entropy", r -> c(v -> Losses.crossEntropy(v[0], i64(new long[]{2, 0, 1}, 3)), u(r, 3, 4)));
        op("gram", r -> c(v -> Losses.gram(v[0]), u(r, 1, 3, 2, 3)));
    }

    /** Values distinct enough that max/min have a unique winner under +-eps perturbation. */
    private static Tensor distinct(Random r, int... shape) {
        int n = dev.unitune.tensor.Shape.numel(shape);
        List<Double> vals = new ArrayList<>();
        for (int i = 0; i < n; i++) vals.add(-1 + 2.0 * i / Math.max(1, n - 1) + 0.01 * r.nextDouble());
        java.util.Collections.shuffle(vals, r);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = vals.get(i);
        return f64(d, shape);
    }

    /** Uniform in [-1, 1] but at least 0.05 away from each mark (kinks of clamp/max/min). */
    private static Tensor randAwayFromMarks(Random r, double[] marks, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            double x;
            boolean ok;
            do {
                x = -1 + 2 * r.nextDouble();
                ok = true;
                for (double m : marks) if (Math.abs(x - m) < 0.05) ok = false;
            } while (!ok);
            d[i] = x;
        }
        return f64(d, n);
    }

    @TestFactory
    List<DynamicTest> everyOpMatchesFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] e : CASES) {
            String name = (String) e[0];
            CaseMaker maker = (CaseMaker) e[1];
            tests.add(DynamicTest.dynamicTest(name, () -> Property.check("gradcheck " + name, TRIALS, 4, (seed, size) -> {
                    Random r = new Random(seed);
                    Case cs = maker.make(r);
                    GradCheck.Result res = GradCheck.check(name + seed, r.nextBoolean() ? r : null, cs.f(), cs.inputs());
                    synchronized (GradCheckAllOpsTest.class) {
                        casesChecked++;
                        if (res.worstRelError() > worstRel) {
                            worstRel = res.worstRelError();
                            worstOp = name;
                        }
                    }
                    assertTrue(res.worstRatio() <= 1.0, name + " case seed " + seed + ": gradient mismatch at " + res.where()
                            + " (|a-n| / (atol + rtol|n|) = " + res.worstRatio() + ")");
            })));
        }
        return tests;
    }

    @AfterAll
    static void report() {
        System.out.printf(Locale.ROOT, "GRADCHECK: %d ops, %d random cases checked, worst relative error %.3e (%s)%n", CASES.size(), casesChecked, worstRel, worstOp);
    }
}
