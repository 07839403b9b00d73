package dev.unitune.autograd;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Random;
import java.util.function.Function;

/**
 * Central finite differences against the engine's analytical gradient, in F64 (torch.autograd.gradcheck's
 * recipe): L = sum(f(x) * R) for a fixed random R, so every output element contributes; dL/dx_i by
 * (L(x + eps e_i) - L(x - eps e_i)) / (2 eps) with eps = 1e-6; pass when |analytic - numeric| <= atol + rtol |numeric|
 * with gradcheck's atol 1e-5, rtol 1e-3. In double the truncation error is O(eps^2 f''') ~ 1e-12 and the
 * rounding error O(1e-16 |L| / eps) ~ 1e-10 |L|, far below atol for O(1) values.
 */
public final class GradCheck {
    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private GradCheck() {}

    /** Worst |a - n| / (atol + rtol |n|) over all inputs (<= 1 passes) and the worst relative error seen. */
    public record Result(double worstRatio, double worstRelError, String where) {}

    public static Result check(String name, Function<Var[], Var> f, Tensor... inputs) { return check(name, null, f, inputs); }

    /**
     * As {@link #check(String, Function, Tensor...)}, but when layouts is given the analytical pass sees each
     * float input as a non-contiguous view (permuted or strided) holding the same values, so backward
     * formulas are exercised on strided inputs too.
     */
    public static Result check(String name, Random layouts, Function<Var[], Var> f, Tensor... inputs) {
        Var[] leaves = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            boolean fl = inputs[i].dtype().isFloating();
            leaves[i] = Var.leaf(fl && layouts != null ? relayout(inputs[i], layouts) : inputs[i], fl);
        }
        Var out = f.apply(leaves);
        Random r = new Random(name.hashCode());
        Tensor weights = TestTensors.randF64(r, -1, 1, out.shape());
        Var loss = F.sum(F.mul(out, Var.constant(weights)));
        loss.backward();
        double worstRatio = 0, worstRel = 0;
        String where = "";
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].dtype().isFloating()) continue;
            double[] x = inputs[i].toDoubleArray();
            Tensor g = leaves[i].grad();
            double[] analytic = g == null ? new double[x.length] : g.toDoubleArray();
            for (int j = 0; j < x.length; j++) {
                double keep = x[j];
                x[j] = keep + EPS;
                double up = evaluate(f, inputs, i, x, weights);
                x[j] = keep - EPS;
                double down = evaluate(f, inputs, i, x, weights);
                x[j] = keep;
                double numeric = (up - down) / (2 * EPS);
                double err = Math.abs(analytic[j] - numeric);
                double ratio = err / (ATOL + RTOL * Math.abs(numeric));
                double rel = err / Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(analytic[j])));
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    where = "input " + i + " " + Shape.str(inputs[i].shape()) + " element " + j + ": analytic " + analytic[j] + " numeric " + numeric;
                }
                worstRel = Math.max(worstRel, rel);
            }
        }
        return new Result(worstRatio, worstRel, where);
    }

    /**
     * Checks the gradients of a layer's parameters (leaves owned by the layer, perturbed through assign) and of
     * its inputs. Parameters must be F64.
     */
    public static Result checkWithParams(String name, java.util.List<? extends Var> params, Function<Var[], Var> f, Tensor... inputs) {
        Var[] leaves = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) leaves[i] = Var.leaf(inputs[i]);
        for (Var p : params) p.zeroGrad();
        Var out = f.apply(leaves);
        Tensor weights = TestTensors.randF64(new Random(name.hashCode()), -1, 1, out.shape());
        F.sum(F.mul(out, Var.constant(weights))).backward();
        double worstRatio = 0, worstRel = 0;
        String where = "";
        java.util.List<Var> all = new java.util.ArrayList<>(java.util.Arrays.asList(leaves));
        all.addAll(params);
        for (int i = 0; i < all.size(); i++) {
            Var v = all.get(i);
            Tensor original = i < inputs.length ? inputs[i] : v.tensor();
            double[] x = original.toDoubleArray();
            double[] analytic = v.grad() == null ? new double[x.length] : v.grad().toDoubleArray();
            for (int j = 0; j < x.length; j++) {
                double keep = x[j];
                x[j] = keep + EPS;
                double up = evaluateWith(f, inputs, params, i, x, weights);
                x[j] = keep - EPS;
                double down = evaluateWith(f, inputs, params, i, x, weights);
                x[j] = keep;
                double numeric = (up - down) / (2 * EPS);
                double err = Math.abs(analytic[j] - numeric);
                double ratio = err / (ATOL + RTOL * Math.abs(numeric));
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    where = (i < inputs.length ? "input " + i : "parameter " + v.name()) + " element " + j + ": analytic " + analytic[j] + " numeric " + numeric;
                }
                worstRel = Math.max(worstRel, err / Math.max(1e-3, Math.max(Math.abs(numeric), Math.abs(analytic[j]))));
            }
            if (i >= inputs.length) v.assign(original);
        }
        return new Result(worstRatio, worstRel, where);
    }

    private static double evaluateWith(Function<Var[], Var> f, Tensor[] inputs, java.util.List<? extends Var> params, int which, double[] x, Tensor weights) {
        if (which < inputs.length) return evaluate(f, inputs, which, x, weights);
        Var p = params.get(which - inputs.length);
        Tensor original = p.tensor();
        p.assign(TestTensors.f64(x, original.shape()));
        try {
            return evaluate(f, inputs, -1, x, weights);
        } finally {
            p.assign(original);
        }
    }

    /** The same values in a random non-contiguous layout: a transposed storage or every other element of a larger one. */
    static Tensor relayout(Tensor t, Random r) {
        int rank = t.rank();
        if (rank == 0 || t.numel() < 2) return t;
        var be = t.backend();
        if (rank >= 2 && r.nextBoolean()) {
            int[] rev = new int[rank];
            for (int i = 0; i < rank; i++) rev[i] = rank - 1 - i;
            return be.copy(t.permute(rev)).permute(rev);
        }
        int a = r.nextInt(rank);
        int[] doubled = t.shape();
        doubled[a] *= 2;
        Tensor pairs = be.concat(java.util.List.of(t.unsqueeze(a + 1), t.unsqueeze(a + 1)), a + 1).reshape(doubled);
        return pairs.slice(a, 1, doubled[a], 2);
    }

    private static double evaluate(Function<Var[], Var> f, Tensor[] inputs, int which, double[] x, Tensor weights) {
        try (NoGrad ng = NoGrad.enter()) {
            Var[] vs = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++)
                vs[i] = Var.constant(i == which ? TestTensors.f64(x, inputs[i].shape()) : inputs[i]);
            Tensor y = f.apply(vs).tensor();
            Tensor prod = y.backend().binary(BinaryOp.MUL, y.to(weights.dtype()), weights);
            double[] p = prod.toDoubleArray();
            double s = 0;
            for (double v : p) s += v;
            return s;
        }
    }
}
