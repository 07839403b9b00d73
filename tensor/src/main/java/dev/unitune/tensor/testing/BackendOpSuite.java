package dev.unitune.tensor.testing;

import dev.unitune.tensor.*;
import dev.unitune.tensor.testing.TensorGen.Input;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One table of op cases that runs against ANY backend: each case generates inputs (odd and size-1 dims,
 * permuted / sliced / offset / broadcast views) from (seed, size), runs the op on the backend, and compares
 * with the naive double {@link ReferenceOps} under a {@link Tolerance} justified per op (dtype defaults plus
 * the summation bound for the op's reduction length K).
 *
 * <pre>{@code
 * for (BackendOpSuite.OpCase c : BackendOpSuite.cases())
 *     if (c.supports(DType.F32)) c.run(myBackend, DType.F32, seed, 4);
 * }</pre>
 * Drive it from any framework: {@link Property#check} (QuickTheories), a plain loop, or jqwik in user code.
 */
public final class BackendOpSuite {
    private BackendOpSuite() {}

    /** Float dtypes every case supports. */
    public static final Set<DType> FLOATS = EnumSet.of(DType.F32, DType.F64, DType.F16, DType.BF16);

    /** Integer dtypes the integer cases support. */
    public static final Set<DType> INTS = EnumSet.of(DType.I32, DType.I64);

    /** What a case records about its inputs, for the failure message. */
    public static final class Ctx {
        private final StringBuilder sb = new StringBuilder();

        public Ctx note(String key, Object value) {
            sb.append(sb.length() == 0 ? "" : ", ").append(key).append('=').append(value instanceof int[] a ? Shape.str(a) : String.valueOf(value));
            return this;
        }

        @Override public String toString() { return sb.toString(); }
    }

    @FunctionalInterface
    public interface Body { void run(Backend b, DType dt, TensorGen g, Ctx ctx); }

    /** A named op case. {@link #run} throws AssertionError naming the case, inputs and worst element on failure. */
    public record OpCase(String name, Set<DType> dtypes, Body body) {
        public boolean supports(DType dt) { return dtypes.contains(dt); }

        public void run(Backend b, DType dt, long seed, int size) {
            Ctx ctx = new Ctx();
            try {
                body.run(b, dt, new TensorGen(seed, size), ctx);
            } catch (AssertionError e) {
                throw new AssertionError(name + " [" + dt.id() + " on " + b.name() + ", seed " + seed + ", size " + size + "; " + ctx + "]: "
                        + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new AssertionError(name + " [" + dt.id() + " on " + b.name() + ", seed " + seed + ", size " + size + "; " + ctx + "] threw "
                        + e, e);
            }
        }

        public void run(Backend b, DType dt, long seed) { run(b, dt, seed, 4); }

        @Override public String toString() { return name; }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** Row-major doubles of any backend's tensor (through the CPU backend). */
    public static double[] host(Tensor t) { return t.to(Backends.cpu()).toDoubleArray(); }

    static void check(String what, Tensor actual, Dense expected, Tolerance tol, double[] magnitude, long k) {
        if (!java.util.Arrays.equals(actual.shape(), expected.shape()))
            throw new AssertionError(what + ": shape " + Shape.str(actual.shape()) + ", expected " + Shape.str(expected.shape()));
        tol.assertClose(what, host(actual), expected.v(), magnitude, k);
    }

    static void check(String what, Tensor actual, Dense expected, Tolerance tol) { check(what, actual, expected, tol, null, 0); }

    static void checkDtype(String what, Tensor t, DType want) {
        if (t.dtype() != want) throw new AssertionError(what + ": dtype " + t.dtype().id() + ", expected " + want.id());
    }

    static double[] abs(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Math.abs(v[i]);
        return o;
    }

    static double[] constant(int n, double c) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, c);
        return o;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) if (Double.isFinite(x)) m = Math.max(m, Math.abs(x));
        return m;
    }

    /** A shape broadcastable to s: some dims set to 1, maybe leading dims dropped. */
    static int[] broadcastableTo(TensorGen g, int[] s) {
        int drop = s.length == 0 ? 0 : g.random().nextInt(s.length + 1) / 2;
        int[] o = java.util.Arrays.copyOfRange(s, drop, s.length);
        for (int i = 0; i < o.length; i++) if (g.random().nextInt(3) == 0) o[i] = 1;
        return o;
    }

    private static int[] randomAxes(TensorGen g, int rank) {
        List<Integer> ax = new ArrayList<>();
        for (int d = 0; d < rank; d++) if (g.bool()) ax.add(g.bool() ? d : d - rank); // negative axes too
        return ax.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] toIntAxes(int[] axes, int rank) {
        int[] o = axes.clone();
        for (int i = 0; i < o.length; i++) o[i] = Shape.axis(o[i], rank);
        return o;
    }

    // ---- the table ---------------------------------------------------------------------------------------

    public static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) if (op != UnaryOp.NOT) c.add(new OpCase("unary." + op, FLOATS, (b, dt, g, ctx) -> unary(op, b, dt, g, ctx)));
        for (BinaryOp op : BinaryOp.values()) c.add(new OpCase("binary." + op, FLOATS, (b, dt, g, ctx) -> binary(op, b, dt, g, ctx)));
        c.add(new OpCase("binaryScalar", FLOATS, BackendOpSuite::binaryScalar));
        c.add(new OpCase("where", FLOATS, BackendOpSuite::where));
        c.add(new OpCase("clamp", FLOATS, BackendOpSuite::clamp));
        c.add(new OpCase("cast", FLOATS, BackendOpSuite::cast));
        c.add(new OpCase("copy", FLOATS, BackendOpSuite::copy));
        for (ReduceOp op : ReduceOp.values()) c.add(new OpCase("reduce." + op, FLOATS, (b, dt, g, ctx) -> reduce(op, b, dt, g, ctx)));
        c.add(new OpCase("argmax", FLOATS, BackendOpSuite::argmax));
        c.add(new OpCase("variance", FLOATS, BackendOpSuite::variance));
        c.add(new OpCase("matmul", FLOATS, BackendOpSuite::matmul));
        c.add(new OpCase("conv2d", FLOATS, (b, dt, g, ctx) -> conv(b, dt, g, ctx, 0)));
        c.add(new OpCase("conv2dBackwardInput", FLOATS, (b, dt, g, ctx) -> conv(b, dt, g, ctx, 1)));
        c.add(new OpCase("conv2dBackwardWeight", FLOATS, (b, dt, g, ctx) -> conv(b, dt, g, ctx, 2)));
        c.add(new OpCase("softmax", FLOATS, (b, dt, g, ctx) -> softmax(b, dt, g, ctx, false)));
        c.add(new OpCase("logSoftmax", FLOATS, (b, dt, g, ctx) -> softmax(b, dt, g, ctx, true)));
        c.add(new OpCase("softmaxBackward", FLOATS, (b, dt, g, ctx) -> softmaxBackward(b, dt, g, ctx, false)));
        c.add(new OpCase("logSoftmaxBackward", FLOATS, (b, dt, g, ctx) -> softmaxBackward(b, dt, g, ctx, true)));
        c.add(new OpCase("groupNorm", FLOATS, (b, dt, g, ctx) -> norm(b, dt, g, ctx, true, false)));
        c.add(new OpCase("groupNormBackward", FLOATS, (b, dt, g, ctx) -> norm(b, dt, g, ctx, true, true)));
        c.add(new OpCase("layerNorm", FLOATS, (b, dt, g, ctx) -> norm(b, dt, g, ctx, false, false)));
        c.add(new OpCase("layerNormBackward", FLOATS, (b, dt, g, ctx) -> norm(b, dt, g, ctx, false, true)));
        c.add(new OpCase("attention", FLOATS, (b, dt, g, ctx) -> attention(b, dt, g, ctx, false)));
        c.add(new OpCase("attentionBackward", FLOATS, (b, dt, g, ctx) -> attention(b, dt, g, ctx, true)));
        c.add(new OpCase("upsampleNearest", FLOATS, (b, dt, g, ctx) -> upsample(b, dt, g, ctx, false)));
        c.add(new OpCase("upsampleNearestBackward", FLOATS, (b, dt, g, ctx) -> upsample(b, dt, g, ctx, true)));
        c.add(new OpCase("avgPool2d", FLOATS, (b, dt, g, ctx) -> pool(b, dt, g, ctx, false, false)));
        c.add(new OpCase("avgPool2dBackward", FLOATS, (b, dt, g, ctx) -> pool(b, dt, g, ctx, false, true)));
        c.add(new OpCase("maxPool2d", FLOATS, (b, dt, g, ctx) -> pool(b, dt, g, ctx, true, false)));
        c.add(new OpCase("maxPool2dBackward", FLOATS, (b, dt, g, ctx) -> pool(b, dt, g, ctx, true, true)));
        c.add(new OpCase("indexSelect", FLOATS, BackendOpSuite::indexSelect));
        c.add(new OpCase("indexAdd", FLOATS, BackendOpSuite::indexAdd));
        c.add(new OpCase("gather", FLOATS, BackendOpSuite::gather));
        c.add(new OpCase("scatterAdd", FLOATS, BackendOpSuite::scatterAdd));
        c.add(new OpCase("concat", FLOATS, BackendOpSuite::concat));
        c.add(new OpCase("pad", FLOATS, BackendOpSuite::pad));
        c.add(new OpCase("int.binary", INTS, BackendOpSuite::intBinary));
        c.add(new OpCase("int.reduce", INTS, BackendOpSuite::intReduce));
        c.add(new OpCase("int.cast", INTS, BackendOpSuite::cast));
                c.add(new OpCase("uniform", FLOATS, (b, dt, g, ctx) -> random(b, dt, g, ctx, false)));
        c.add(new OpCase("normal", FLOATS, (b, dt, g, ctx) -> random(b, dt, g, ctx, true)));
        return c;
    }

    /**
     * Runs every case that supports dt against backend b as a QuickTheories property (examples per case, sizes
     * 1..maxSize), collecting all failures into one AssertionError so a kernel author sees the whole picture.
     */
    public static void checkAll(Backend b, DType dt, int examples, int maxSize) {
        List<String> failures = new ArrayList<>();
        for (OpCase c : cases()) {
            if (!c.supports(dt) || !b.supports(dt)) continue;
            try {
                Property.check(c.name() + " " + dt.id() + " on " + b.name(), examples, maxSize, (seed, size) -> c.run(b, dt, seed, size));
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new AssertionError(failures.size() + " op case(s) failed on " + b.name() + " " + dt.id() + ":\n" + String.join("\n\n", failures));
    }

    public static OpCase byName(String name) {
        for (OpCase c : cases()) if (c.name().equals(name)) return c;
        throw new IllegalArgumentException("no op case named '" + name + "'");
    }

    // ---- elementwise -------------------------------------------------------------------------------------

    private static double[] unaryRange(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> new double[]{0.1, 4};
            case RECIPROCAL -> new double[]{0.25, 4};
            case LOG1P -> new double[]{-0.5, 3};
            default -> new double[]{-3, 3};
        };
    }

    private static void unary(UnaryOp op, Backend b, DType dt, TensorGen g, Ctx ctx) {
        double[] r = unaryRange(op);
        Input x = g.input(b, dt, g.shape(g.intIn(0, 4)), r[0], r[1]);
        ctx.note("x", x);
        Tensor y = b.unary(op, x.tensor());
        checkDtype("unary dtype", y, dt);
        check("unary." + op, y, ReferenceOps.map(x.dense(), v -> ReferenceOps.unary(op, v)), Tolerance.of(dt));
    }

    private static double[] binaryRange(BinaryOp op, boolean right) {
        return switch (op) {
            case POW -> right ? new double[]{-2, 2} : new double[]{0.1, 3};
            case DIV -> right ? new double[]{0.5, 2} : new double[]{-3, 3};
            case EQ, NE, LE, GE, AND, OR -> new double[]{-1, 1}; // rounded below to a few values so ties occur
            default -> new double[]{-3, 3};
        };
    }

    private static Input coarse(Backend b, DType dt, TensorGen g, int[] shape, double lo, double hi) {
        Dense d = Dense.zeros(shape);
        for (int i = 0; i < d.numel(); i++) d.v()[i] = Math.floor(g.uniform(lo, hi) * 2) / 2; // multiples of 0.5: ties and zeros happen
        return TensorGen.exact(b, dt, d);
    }

    private static void binary(BinaryOp op, Backend b, DType dt, TensorGen g, Ctx ctx) {
        int[] s = g.shape(g.intIn(0, 4));
        double[] ra = binaryRange(op, false), rb = binaryRange(op, true);
        boolean ties = op.isComparison();
        Input a = ties ? coarse(b, dt, g, broadcastableTo(g, s), ra[0], ra[1]) : g.input(b, dt, broadcastableTo(g, s), ra[0], ra[1]);
        Input c = ties ? coarse(b, dt, g, broadcastableTo(g, s), rb[0], rb[1]) : g.input(b, dt, broadcastableTo(g, s), rb[0], rb[1]);
        ctx.note("a", a).note("b", c);
        Tensor y = b.binary(op, a.tensor(), c.tensor());
        checkDtype("binary dtype", y, op.isComparison() ? DType.BOOL : dt);
        check("binary." + op, y, ReferenceOps.binary(op, a.dense(), c.dense()), Tolerance.of(dt));
    }

    private static void binaryScalar(Backend b, DType dt, TensorGen g, Ctx ctx) {
        BinaryOp[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.POW, BinaryOp.GT};
        BinaryOp op = ops[g.random().nextInt(ops.length)];
        Input x = g.input(b, dt, g.shape(g.intIn(0, 3)), op == BinaryOp.POW ? 0.1 : -3, 3);
        double sc = op == BinaryOp.DIV ? g.uniform(0.5, 2) : g.uniform(-2, 2);
        ctx.note("op", op).note("x", x).note("scalar", sc);
        Tensor y = b.binaryScalar(op, x.tensor(), sc);
        double scr = TensorGen.roundTo(dt, sc); // the scalar takes the tensor's dtype
        check("binaryScalar." + op, y, ReferenceOps.map(x.dense(), v -> ReferenceOps.binary(op, v, scr)), Tolerance.of(dt));
    }

    private static void where(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int[] s = g.shape(g.intIn(0, 4));
        Input cond = g.input(b, DType.BOOL, broadcastableTo(g, s), 0, 2);
        Input x = g.input(b, dt, broadcastableTo(g, s), -3, 3), y = g.input(b, dt, broadcastableTo(g, s), -3, 3);
        ctx.note("cond", cond).note("a", x).note("b", y);
        check("where", b.where(cond.tensor(), x.tensor(), y.tensor()), ReferenceOps.where(cond.dense(), x.dense(), y.dense()), Tolerance.of(dt));
    }

    private static void clamp(Backend b, DType dt, TensorGen g, Ctx ctx) {
        Input x = g.input(b, dt, g.shape(g.intIn(0, 4)), -3, 3);
        double lo = g.bool() ? Double.NEGATIVE_INFINITY : g.uniform(-2, 0), hi = g.bool() ? Double.POSITIVE_INFINITY : g.uniform(0, 2);
        ctx.note("x", x).note("lo", lo).note("hi", hi);
        check("clamp", b.clamp(x.tensor(), lo, hi), ReferenceOps.map(x.dense(), v -> Math.min(Math.max(v, lo), hi)), Tolerance.of(dt));
    }

    private static void cast(Backend b, DType dt, TensorGen g, Ctx ctx) {
        DType[] targets = {DType.F32, DType.F64, DType.F16, DType.BF16, DType.I32, DType.I64, DType.BOOL};
        DType to = targets[g.random().nextInt(targets.length)];
        if (!b.supports(to)) to = DType.F32;
        Input x = g.input(b, dt, g.shape(g.intIn(0, 3)), -100, 100);
        ctx.note("x", x).note("to", to);
        Tensor y = b.cast(x.tensor(), to);
        checkDtype("cast dtype", y, to);
        DType target = to;
        // exact: a cast rounds once (nearest even) or truncates toward zero, and so does the reference
        check("cast", y, ReferenceOps.map(x.dense(), v -> TensorGen.roundTo(target, v)), new Tolerance(0, 0, 0));
    }

    private static void copy(Backend b, DType dt, TensorGen g, Ctx ctx) {
        Input x = g.input(b, dt, g.shape(g.intIn(0, 4)), -3, 3);
        ctx.note("x", x);
        Tensor y = b.copy(x.tensor());
        if (!y.isContiguous()) throw new AssertionError("copy is not contiguous: " + y);
        check("copy", y, x.dense(), new Tolerance(0, 0, 0));
    }

    // ---- reductions -----------------------------------------------------------------------------------

    private static void reduce(ReduceOp op, Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 4);
        Input x = g.input(b, dt, g.shape(rank), op == ReduceOp.PROD ? 0.5 : -3, op == ReduceOp.PROD ? 1.5 : 3);
        int[] axes = randomAxes(g, rank);
        boolean keep = g.bool();
        ctx.note("x", x).note("axes", axes).note("keepDims", keep);
        Tensor y = b.reduce(op, x.tensor(), axes, keep);
        Dense want = ReferenceOps.reduce(op, x.dense(), toIntAxes(axes, rank), keep);
        long k = want.numel() == 0 ? 0 : x.dense().numel() / Math.max(1, want.numel());
        double[] mag = switch (op) {
            case SUM -> ReferenceOps.absSum(x.dense(), toIntAxes(axes, rank), keep).v();
            case MEAN -> { double[] m = ReferenceOps.absSum(x.dense(), toIntAxes(axes, rank), keep).v(); for (int i = 0; i < m.length; i++) m[i] /= Math.max(1, k); yield m; }
            case PROD -> abs(want.v()); // each product rounds once: relative error <= gamma_K
            default -> null;             // max/min are exact
        };
        check("reduce." + op, y, want, Tolerance.of(dt), mag, k);
    }

    private static void argmax(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 4);
        Input x = g.input(b, dt, g.shape(rank), -3, 3);
        int axis = g.random().nextInt(rank) - (g.bool() ? rank : 0);
        boolean keep = g.bool();
        ctx.note("x", x).note("axis", axis).note("keepDims", keep);
        Tensor y = b.argmax(x.tensor(), axis, keep);
        checkDtype("argmax dtype", y, DType.I64);
        check("argmax", y, ReferenceOps.argmax(x.dense(), axis, keep), new Tolerance(0, 0, 0));
    }

    private static void variance(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 4);
        Input x = g.input(b, dt, g.shape(rank), -3, 3);
        int[] axes = randomAxes(g, rank);
        int corr = g.intIn(0, 1);
        boolean keep = g.bool();
        ctx.note("x", x).note("axes", axes).note("correction", corr).note("keepDims", keep);
        Tensor y = b.variance(x.tensor(), axes, corr, keep);
        Dense want = ReferenceOps.variance(x.dense(), toIntAxes(axes, rank), corr, keep);
        long k = want.numel() == 0 ? 0 : x.dense().numel() / want.numel();
        // sum of squares of |x| <= 3: the deviations' squares are bounded by 4 * 9 each
        double[] mag = constant(want.numel(), 36.0 * k / Math.max(1, k - corr));
        check("variance", y, want, Tolerance.of(dt), mag, 2 * k + 2);
    }

    // ---- matmul -------------------------------------------------------------------------------------------

    private static void matmul(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int nb = g.intIn(0, 2);
        int[] batch = g.shape(nb);
        int m = g.dim(), n = g.dim(), k = g.dim() + g.random().nextInt(3 * g.maxDim());
        boolean ta = g.bool(), tb = g.bool();
        int[] sa = concat(broadcastableTo(g, batch), ta ? k : m, ta ? m : k);
        int[] sb = concat(broadcastableTo(g, batch), tb ? n : k, tb ? k : n);
        Input a = g.input(b, dt, sa, -1, 1), c = g.input(b, dt, sb, -1, 1);
        ctx.note("a", a).note("b", c).note("transA", ta).note("transB", tb);
        Tensor y = b.matmul(a.tensor(), c.tensor(), ta, tb);
        Dense[] want = ReferenceOps.matmul(a.dense(), c.dense(), ta, tb);
        check("matmul", y, want[0], Tolerance.of(dt), want[1].v(), k);
    }

    static int[] concat(int[] batch, int x, int y) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = x;
        s[batch.length + 1] = y;
        return s;
    }

    // ---- convolution ---------------------------------------------------------------------------------------

    private static void conv(Backend b, DType dt, TensorGen g, Ctx ctx, int which) {
        int groups = g.intIn(1, 2), cg = g.intIn(1, 3), og = g.intIn(1, 3), n = g.intIn(1, 2);
        int kh = g.intIn(1, 3), kw = g.intIn(1, 3), stride = g.intIn(1, 2), dil = g.intIn(1, 2), pad = g.intIn(0, 2);
        Conv2dSpec s = new Conv2dSpec(stride, g.intIn(1, 2), pad, g.intIn(0, 1), dil, g.intIn(1, 2), groups);
        int h = Math.max(1, dil * (kh - 1) + 1 - 2 * s.padH()) + g.random().nextInt(g.maxDim() + 2);
        int w = Math.max(1, s.dilationW() * (kw - 1) + 1 - 2 * s.padW()) + g.random().nextInt(g.maxDim() + 2);
        int[] xs = {n, groups * cg, h, w}, ws = {groups * og, cg, kh, kw};
        int oh = s.outH(h, kh), ow = s.outW(w, kw);
        ctx.note("spec", s).note("x", Shape.str(xs)).note("w", Shape.str(ws));
        Tolerance tol = Tolerance.of(dt);
        if (which == 0) {
            Input x = g.input(b, dt, xs, -1, 1), wt = g.input(b, dt, ws, -1, 1);
            Input bias = g.bool() ? g.input(b, dt, new int[]{groups * og}, -1, 1) : null;
            ctx.note("xLayout", x.layout()).note("bias", bias != null);
            Tensor y = b.conv2d(x.tensor(), wt.tensor(), bias == null ? null : bias.tensor(), s);
            Dense[] want = ReferenceOps.conv2d(x.dense(), wt.dense(), bias == null ? null : bias.dense(), s);
            check("conv2d", y, want[0], tol, want[1].v(), (long) cg * kh * kw + 1);
        } else if (which == 1) {
            Input gy = g.input(b, dt, new int[]{n, groups * og, oh, ow}, -1, 1), wt = g.input(b, dt, ws, -1, 1);
            Tensor gx = b.conv2dBackwardInput(gy.tensor(), wt.tensor(), xs, s);
            Dense[] want = ReferenceOps.conv2dBackwardInput(gy.dense(), wt.dense(), xs, s);
            check("conv2dBackwardInput", gx, want[0], tol, want[1].v(), (long) og * kh * kw);
        } else {
            Input gy = g.input(b, dt, new int[]{n, groups * og, oh, ow}, -1, 1), x = g.input(b, dt, xs, -1, 1);
            Tensor gw = b.conv2dBackwardWeight(gy.tensor(), x.tensor(), ws, s);
            Dense[] want = ReferenceOps.conv2dBackwardWeight(gy.dense(), x.dense(), ws, s);
            check("conv2dBackwardWeight", gw, want[0], tol, want[1].v(), (long) n * oh * ow);
        }
    }

    // ---- softmax ------------------------------------------------------------------------------------------

    private static void softmax(Backend b, DType dt, TensorGen g, Ctx ctx, boolean log) {
        int rank = g.intIn(1, 4);
        Input x = g.input(b, dt, g.shape(rank), -4, 4);
        int axis = g.random().nextInt(rank) - (g.bool() ? rank : 0);
        ctx.note("x", x).note("axis", axis);
        Tensor y = log ? b.logSoftmax(x.tensor(), axis) : b.softmax(x.tensor(), axis);
        Dense want = ReferenceOps.softmax(x.dense(), axis, log);
        long k = x.dense().dim(axis);
        // softmax: the denominator's relative error <= gamma_K scales every output; log-softmax: its log
        // adds an absolute gamma_K, and x - max rounds relative to |x - max| <= 8.
        double[] mag = log ? constant(want.numel(), 9) : abs(want.v());
        check(log ? "logSoftmax" : "softmax", y, want, Tolerance.of(dt), mag, k + 2);
    }

    private static void softmaxBackward(Backend b, DType dt, TensorGen g, Ctx ctx, boolean log) {
        int rank = g.intIn(1, 4);
        int[] shape = g.shape(rank);
        int axis = g.random().nextInt(rank);
        Dense yv = ReferenceOps.softmax(g.input(Backends.cpu(), DType.F64, shape, -3, 3).dense(), axis, log); // values only
        Input y = TensorGen.exact(b, dt, yv);
        Input gy = g.input(b, dt, shape, -1, 1);
        ctx.note("shape", shape).note("axis", axis).note("gy", gy);
        Tensor gx = log ? b.logSoftmaxBackward(y.tensor(), gy.tensor(), axis) : b.softmaxBackward(y.tensor(), gy.tensor(), axis);
        Dense want = ReferenceOps.softmaxBackward(y.dense(), gy.dense(), axis, log);
        long k = shape[axis];
        // terms: |gy y| (softmax) or |gy| exp(y) (log-softmax), each <= 1 * max(1, |y|); scaled by |y| <= 1 or exp(y) <= 1
        double[] mag = constant(want.numel(), log ? 1 + k : 2 + k);
        check(log ? "logSoftmaxBackward" : "softmaxBackward", gx, want, Tolerance.of(dt), mag, k + 2);
    }

    // ---- normalisation -------------------------------------------------------------------------------

    private static void norm(Backend b, DType dt, TensorGen g, Ctx ctx, boolean group, boolean backward) {
        int[] shape;
        int rows, cols, channels, groups = 1, dims = 1;
        int[] paramShape, statShape;
        java.util.function.IntBinaryOperator ch;
        if (group) {
            groups = g.intIn(1, 3);
            int cpg = g.intIn(1, 3), n = g.intIn(1, 2), c = groups * cpg;
            int[] sp = g.shape(g.intIn(0, 2));
            if (cpg * Shape.numel(sp) < 8) sp = new int[]{8}; // short rows can have near-zero variance: ill-conditioned
            shape = new int[2 + sp.length];
            shape[0] = n;
            shape[1] = c;
            System.arraycopy(sp, 0, shape, 2, sp.length);
            int spatial = Shape.numel(sp);
            rows = n * groups;
            cols = cpg * spatial;
            channels = c;
            paramShape = new int[]{c};
            statShape = new int[]{n, groups};
            int G = groups;
            ch = (r, j) -> (r % G) * cpg + j / spatial;
        } else {
            int rank = g.intIn(1, 3);
            shape = g.shape(rank);
            dims = g.intIn(1, rank);
            if (Shape.numel(java.util.Arrays.copyOfRange(shape, rank - dims, rank)) < 8) shape[rank - 1] += 7; // see group norm
            paramShape = java.util.Arrays.copyOfRange(shape, rank - dims, rank);
            statShape = java.util.Arrays.copyOf(shape, rank - dims);
            cols = Shape.numel(paramShape);
            rows = Shape.numel(statShape);
            channels = cols;
            ch = (r, j) -> j;
        }
        double eps = g.bool() ? 1e-5 : 1e-6;
        // no broadcast layout for x: a row of equal values has zero variance (ill-conditioned, see below)
        TensorGen.Layout[] layouts = {TensorGen.Layout.CONTIGUOUS, TensorGen.Layout.OFFSET, TensorGen.Layout.PERMUTED, TensorGen.Layout.SLICED};
        Input x = g.input(b, dt, shape, -2, 2, layouts[g.random().nextInt(layouts.length)]);
        boolean affine = g.bool();
        Input w = affine ? g.input(b, dt, paramShape, 0.5, 1.5) : null, bias = affine && g.bool() ? g.input(b, dt, paramShape, -1, 1) : null;
        ctx.note(group ? "groups" : "normalizedDims", group ? groups : dims).note("x", x).note("weight", w != null).note("bias", bias != null).note("eps", eps);
        NormResult fwd = group ? b.groupNorm(x.tensor(), w == null ? null : w.tensor(), bias == null ? null : bias.tensor(), groups, eps)
                : b.layerNorm(x.tensor(), dims, w == null ? null : w.tensor(), bias == null ? null : bias.tensor(), eps);
        Dense[] want = ReferenceOps.normalizeRows(x.dense(), rows, cols, w == null ? null : w.dense(), bias == null ? null : bias.dense(), eps, ch, statShape);
        // Error model, for a numerically stable variance (two-pass or Welford, as PyTorch computes it): mean and
        // variance are K-term sums with relative error gamma_K; the mean's rounding moves x - mean by up to
        // u |mean|, i.e. xhat by u |mean| rstd, so errors scale with F = 1 + |mean| rstd. Outputs then scale by
        // |w| (<= 1.5) plus |b|. Rows have at least 8 values, so their variance is not near zero.
        double[] f = new double[rows];
        for (int r = 0; r < rows; r++) f[r] = 1 + Math.abs(want[1].v()[r]) * want[2].v()[r];
        Tolerance tol = Tolerance.of(dt);
        if (!backward) {
            double[] mag = new double[want[0].numel()];
            for (int i = 0; i < mag.length; i++) {
                int r = i / Math.max(1, cols);
                double xhat = (x.dense().v()[i] - want[1].v()[r]) * want[2].v()[r];
                mag[i] = (1 + Math.abs(xhat)) * f[r] * 1.5 + 1;
            }
            check("norm output", fwd.output(), want[0], tol, mag, cols + 4L);
            Tolerance st = Tolerance.of(fwd.mean().dtype());
            checkDtype("norm mean dtype", fwd.mean(), dt == DType.F64 ? DType.F64 : DType.F32);
            check("norm mean", fwd.mean(), want[1], st, constant(rows, 2), cols + 2L);
            double[] rmag = new double[rows];
            for (int r = 0; r < rows; r++) rmag[r] = want[2].v()[r] * f[r];
            check("norm rstd", fwd.rstd(), want[2], st, rmag, cols + 4L);
            return;
        }
        Input gy = g.input(b, dt, shape, -1, 1);
        NormGrads grads = group ? b.groupNormBackward(gy.tensor(), x.tensor(), fwd.mean(), fwd.rstd(), w == null ? null : w.tensor(), groups)
                : b.layerNormBackward(gy.tensor(), x.tensor(), fwd.mean(), fwd.rstd(), w == null ? null : w.tensor(), dims);
        Dense[] gw = ReferenceOps.normalizeRowsBackward(gy.dense(), x.dense(), rows, cols, w == null ? null : w.dense(), eps, ch, channels, paramShape);
        // dx = rstd (g - mean(g) - xhat mean(g xhat)): the terms are <= 1.5 rstd (1 + |xhat|) in size (|g| <= 1,
        // |w| <= 1.5), and the saved statistics carry the forward's relative error (factor F), over K = cols terms.
        double[] mag = new double[gw[0].numel()];
        for (int i = 0; i < mag.length; i++) {
            int r = i / Math.max(1, cols);
            double xhat = (x.dense().v()[i] - want[1].v()[r]) * want[2].v()[r];
            mag[i] = 6 * want[2].v()[r] * f[r] * (1 + Math.abs(xhat));
        }
        check("norm gradInput", grads.gradInput(), gw[0], tol, mag, 2L * cols + 8);
        if (w != null) {
            double maxF = 0;
            for (double v : f) maxF = Math.max(maxF, v);
            long kk = (long) rows * cols / channels;
            check("norm gradWeight", grads.gradWeight(), gw[1], tol, constant(channels, kk * maxF * 2), kk + cols + 4);
            check("norm gradBias", grads.gradBias(), gw[2], tol, constant(channels, kk), kk);
        } else if (grads.gradWeight() != null) throw new AssertionError("gradWeight must be null without weight");
    }

    // ---- attention ----------------------------------------------------------------------------------------

    private static void attention(Backend b, DType dt, TensorGen g, Ctx ctx, boolean backward) {
        int bn = g.intIn(1, 2), hn = g.intIn(1, 2), lq = g.dim() + g.random().nextInt(g.maxDim() + 1), lk = g.dim() + g.random().nextInt(g.maxDim() + 1);
        int d = g.dim(), dv = g.dim();
        double scale = g.bool() ? 1 / Math.sqrt(d) : g.uniform(0.1, 1);
        boolean causal = g.bool();
        Input q = g.input(b, dt, new int[]{bn, hn, lq, d}, -1, 1), k = g.input(b, dt, new int[]{bn, hn, lk, d}, -1, 1),
                v = g.input(b, dt, new int[]{bn, hn, lk, dv}, -1, 1);
        Input mask = null;
        if (g.bool()) {
            int[] ms = broadcastableTo(g, new int[]{bn, hn, lq, lk});
            Dense md = Dense.zeros(ms);
            for (int i = 0; i < md.numel(); i++) md.v()[i] = g.random().nextInt(5) == 0 ? Double.NEGATIVE_INFINITY : g.uniform(-1, 1);
            mask = TensorGen.exact(b, dt, md);
        }
        ctx.note("q", q).note("k", k).note("v", v).note("mask", mask == null ? "none" : Shape.str(mask.shape())).note("causal", causal).note("scale", scale);
        AttentionResult res = b.attention(q.tensor(), k.tensor(), v.tensor(), mask == null ? null : mask.tensor(), scale, causal);
        Dense[] want = ReferenceOps.attention(q.dense(), k.dense(), v.dense(), mask == null ? null : mask.dense(), scale, causal);
        // Scores: |s| <= d * scale + 1 (|q|, |k| <= 1, |mask| <= 1); their K=d sums err by gamma_d * d * scale,
        // which moves p by that much relatively; then out = sum_j p v over K = lk terms.
        double sMax = d * scale + 1;
        long kk = lk + d + 4;
        Tolerance tol = Tolerance.of(dt);
        if (!backward) {
            double[] mag = want[2].v().clone();
            for (int i = 0; i < mag.length; i++) mag[i] = (mag[i] + 1) * (1 + sMax);
            check("attention output", res.output(), want[0], tol, mag, kk);
            check("attention logSumExp", res.logSumExp(), want[1], Tolerance.of(res.logSumExp().dtype()), constant(want[1].numel(), 2 + sMax + Math.log(lk)), kk);
            return;
        }
        Input gy = g.input(b, dt, new int[]{bn, hn, lq, dv}, -1, 1);
        AttentionGrads grads = b.attentionBackward(gy.tensor(), q.tensor(), k.tensor(), v.tensor(), res.output(), res.logSumExp(),
                mask == null ? null : mask.tensor(), scale, causal);
        Dense[] gw = ReferenceOps.attentionBackward(gy.dense(), q.dense(), k.dense(), v.dense(), mask == null ? null : mask.dense(), scale, causal,
                new Dense(res.output().shape(), host(res.output())));
        // Every gradient is a sum of K = lq + lk + d + dv products of O(1) factors times (1 + sMax) for the
        // error carried by p; the scale of each gradient tensor bounds those products.
        long kb = (long) lq + lk + d + dv + 4;
        check("attention gradQ", grads.gradQ(), gw[0], tol, constant(gw[0].numel(), (1 + sMax) * (1 + maxAbs(gw[0].v())) * (1 + scale) * dv), kb);
        check("attention gradK", grads.gradK(), gw[1], tol, constant(gw[1].numel(), (1 + sMax) * (1 + maxAbs(gw[1].v())) * (1 + scale) * dv * lq), kb);
        check("attention gradV", grads.gradV(), gw[2], tol, constant(gw[2].numel(), (1 + sMax) * (1 + maxAbs(gw[2].v())) * lq), kb);
    }

    // ---- resampling and pooling --------------------------------------------------------------------------

    private static void upsample(Backend b, DType dt, TensorGen g, Ctx ctx, boolean backward) {
        int[] lead = g.shape(g.intIn(0, 2));
        int fh = g.intIn(1, 3), fw = g.intIn(1, 3), h = g.dim(), w = g.dim();
        ctx.note("lead", lead).note("h", h).note("w", w).note("factor", fh + "x" + fw);
        if (!backward) {
            Input x = g.input(b, dt, concat(lead, h, w), -3, 3);
            check("upsampleNearest", b.upsampleNearest(x.tensor(), fh, fw), ReferenceOps.upsampleNearest(x.dense(), fh, fw), new Tolerance(0, 0, 0));
        } else {
            Input gy = g.input(b, dt, concat(lead, h * fh, w * fw), -1, 1);
            check("upsampleNearestBackward", b.upsampleNearestBackward(gy.tensor(), fh, fw), ReferenceOps.upsampleNearestBackward(gy.dense(), fh, fw),
                    Tolerance.of(dt), constant(gy.dense().numel() / (fh * fw), fh * fw), (long) fh * fw);
        }
    }

    private static void pool(Backend b, DType dt, TensorGen g, Ctx ctx, boolean max, boolean backward) {
        int kh = g.intIn(1, 3), kw = g.intIn(1, 3);
        Pool2dSpec s = new Pool2dSpec(kh, kw, g.intIn(1, 3), g.intIn(1, 3), g.intIn(0, kh / 2), g.intIn(0, kw / 2));
        int h = Math.max(1, kh - 2 * s.padH()) + g.random().nextInt(g.maxDim() + 1), w = Math.max(1, kw - 2 * s.padW()) + g.random().nextInt(g.maxDim() + 1);
        int[] shape = concat(new int[]{g.intIn(1, 2), g.dim()}, h, w);
        Input x = g.input(b, dt, shape, -3, 3);
        ctx.note("x", x).note("spec", s);
        long win = (long) kh * kw;
        if (!max) {
            Dense y = ReferenceOps.avgPool2d(x.dense(), s);
            if (!backward) {
                check("avgPool2d", b.avgPool2d(x.tensor(), s), y, Tolerance.of(dt), constant(y.numel(), 3), win + 1);
                return;
            }
            Input gy = g.input(b, dt, y.shape(), -1, 1);
            check("avgPool2dBackward", b.avgPool2dBackward(gy.tensor(), shape, s), ReferenceOps.avgPool2dBackward(gy.dense(), shape, s),
                    Tolerance.of(dt), constant(x.dense().numel(), win), win + 1);
            return;
        }
        PoolResult r = b.maxPool2d(x.tensor(), s);
        Dense[] want = ReferenceOps.maxPool2d(x.dense(), s);
        if (!backward) {
            check("maxPool2d output", r.output(), want[0], new Tolerance(0, 0, 0));
            check("maxPool2d indices", r.indices(), want[1], new Tolerance(0, 0, 0));
            return;
        }
        Input gy = g.input(b, dt, want[0].shape(), -1, 1);
        check("maxPool2dBackward", b.maxPool2dBackward(gy.tensor(), r.indices(), shape, s), ReferenceOps.maxPool2dBackward(gy.dense(), want[1], shape),
                Tolerance.of(dt), constant(x.dense().numel(), win), win);
    }

    // ---- indexing and layout ------------------------------------------------------------------------------

    private static DType indexType(TensorGen g, Backend b) { return g.bool() && b.supports(DType.I64) ? DType.I64 : DType.I32; }

    private static void indexSelect(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 3);
        Input x = g.input(b, dt, g.shape(rank), -3, 3);
        int axis = g.random().nextInt(rank);
        Input idx = g.indices(b, indexType(g, b), new int[]{g.intIn(0, 5)}, x.shape()[axis]);
        ctx.note("x", x).note("axis", axis).note("index", idx);
        check("indexSelect", b.indexSelect(x.tensor(), axis, idx.tensor()), ReferenceOps.indexSelect(x.dense(), axis, idx.values()), new Tolerance(0, 0, 0));
    }

    private static void indexAdd(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 3);
        Input t = g.input(b, dt, g.shape(rank), -3, 3);
        int axis = g.random().nextInt(rank);
        Input idx = g.indices(b, indexType(g, b), new int[]{g.intIn(1, 6)}, t.shape()[axis]);
        int[] ss = t.shape().clone();
        ss[axis] = idx.shape()[0];
        Input src = g.input(b, dt, ss, -3, 3);
        ctx.note("target", t).note("axis", axis).note("index", idx).note("src", src);
        check("indexAdd", b.indexAdd(t.tensor(), axis, idx.tensor(), src.tensor()), ReferenceOps.indexAdd(t.dense(), axis, idx.values(), src.dense()),
                Tolerance.of(dt), constant(t.dense().numel(), 3.0 * (idx.shape()[0] + 1)), idx.shape()[0] + 1);
    }

    private static void gather(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 3);
        Input x = g.input(b, dt, g.shape(rank), -3, 3);
        int axis = g.random().nextInt(rank);
        int[] is = x.shape().clone();
        for (int d = 0; d < rank; d++) is[d] = d == axis ? g.intIn(1, 4) : g.intIn(1, is[d]);
        Input idx = g.indices(b, indexType(g, b), is, x.shape()[axis]);
        ctx.note("x", x).note("axis", axis).note("index", idx);
        check("gather", b.gather(x.tensor(), axis, idx.tensor()), ReferenceOps.gather(x.dense(), axis, idx.dense()), new Tolerance(0, 0, 0));
    }

    private static void scatterAdd(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 3);
        Input t = g.input(b, dt, g.shape(rank), -3, 3);
        int axis = g.random().nextInt(rank);
        int[] is = t.shape().clone();
        for (int d = 0; d < rank; d++) is[d] = d == axis ? g.intIn(1, 4) : g.intIn(1, is[d]);
        Input idx = g.indices(b, indexType(g, b), is, t.shape()[axis]);
        int[] ss = is.clone();
        for (int d = 0; d < rank; d++) ss[d] += g.intIn(0, 1);
        Input src = g.input(b, dt, ss, -3, 3);
        ctx.note("target", t).note("axis", axis).note("index", idx).note("src", src);
        long k = Shape.numel(is) + 1;
        check("scatterAdd", b.scatterAdd(t.tensor(), axis, idx.tensor(), src.tensor()), ReferenceOps.scatterAdd(t.dense(), axis, idx.dense(), src.dense()),
                Tolerance.of(dt), constant(t.dense().numel(), 3.0 * k), k);
    }

    private static void concat(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 4);
        int[] s = g.shape(rank);
        int axis = g.random().nextInt(rank);
        int parts = g.intIn(1, 3);
        List<Input> in = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int[] ps = s.clone();
            ps[axis] = g.intIn(0, 3);
            in.add(g.input(b, dt, ps, -3, 3));
        }
        ctx.note("parts", in).note("axis", axis);
        check("concat", b.concat(in.stream().map(Input::tensor).toList(), axis), ReferenceOps.concat(in.stream().map(Input::dense).toList(), axis),
                new Tolerance(0, 0, 0));
    }

    private static void pad(Backend b, DType dt, TensorGen g, Ctx ctx) {
        int rank = g.intIn(1, 4);
        Input x = g.input(b, dt, g.shape(rank), -3, 3);
        int[] pads = new int[2 * g.intIn(1, rank)];
        for (int i = 0; i < pads.length; i++) pads[i] = g.intIn(0, 2);
        double value = g.bool() ? 0 : TensorGen.roundTo(dt, g.uniform(-2, 2));
        ctx.note("x", x).note("pads", pads).note("value", value);
        check("pad", b.pad(x.tensor(), pads, value), ReferenceOps.pad(x.dense(), pads, value), new Tolerance(0, 0, 0));
    }

    // ---- integers ------------------------------------------------------------------------------------------

    /** Integer arithmetic is exact: small values (|x| < 100) keep every result far inside the dtype's range. */
    private static void intBinary(Backend b, DType dt, TensorGen g, Ctx ctx) {
        BinaryOp[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.EQ, BinaryOp.LT, BinaryOp.GE};
        BinaryOp op = ops[g.random().nextInt(ops.length)];
        int[] s = g.shape(g.intIn(0, 3));
        Input x = g.input(b, dt, broadcastableTo(g, s), -99, 100);
        Input y = g.input(b, dt, broadcastableTo(g, s), op == BinaryOp.DIV ? 1 : -99, 100); // no division by zero
        ctx.note("op", op).note("a", x).note("b", y);
        Tensor r = b.binary(op, x.tensor(), y.tensor());
        checkDtype("int binary dtype", r, op.isComparison() ? DType.BOOL : dt);
        Dense want = op == BinaryOp.DIV ? ReferenceOps.binary(BinaryOp.DIV, x.dense(), y.dense()) : ReferenceOps.binary(op, x.dense(), y.dense());
        if (op == BinaryOp.DIV) want = ReferenceOps.map(want, v -> v < 0 ? Math.ceil(v) : Math.floor(v)); // truncation toward zero
        check("int binary." + op, r, want, new Tolerance(0, 0, 0));
    }

    private static void intReduce(Backend b, DType dt, TensorGen g, Ctx ctx) {
        ReduceOp[] ops = {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN};
        ReduceOp op = ops[g.random().nextInt(ops.length)];
        int rank = g.intIn(1, 3);
        Input x = g.input(b, dt, g.shape(rank), -99, 100);
        int[] axes = randomAxes(g, rank);
        boolean keep = g.bool();
        ctx.note("op", op).note("x", x).note("axes", axes).note("keepDims", keep);
        Tensor r = b.reduce(op, x.tensor(), axes, keep);
        checkDtype("int reduce dtype", r, op == ReduceOp.SUM ? DType.I64 : dt); // PyTorch: integer sums are int64
        check("int reduce." + op, r, ReferenceOps.reduce(op, x.dense(), toIntAxes(axes, rank), keep), new Tolerance(0, 0, 0));
    }

    // ---- random --------------------------------------------------------------------------------------------

    private static void random(Backend b, DType dt, TensorGen g, Ctx ctx, boolean normal) {
        long seed = g.random().nextLong(), offset = g.random().nextInt(1000);
        int[] shape = g.shape(g.intIn(0, 3));
        int n = Shape.numel(shape);
        ctx.note("seed", seed).note("offset", offset).note("shape", shape);
        if (!normal) {
            double lo = g.uniform(-2, 0), hi = g.uniform(0, 2);
            float[] u = new float[n];
            Philox.uniformUnit(seed, offset, u, 0, n);
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                if (dt == DType.F64) want[i] = lo + (hi - lo) * u[i];
                else { float span = (float) hi - (float) lo; float scaled = span * u[i]; want[i] = TensorGen.roundTo(dt, (float) lo + scaled); }
            }
            // the definition is exact float arithmetic: every backend must match bit for bit
            check("uniform", b.uniform(dt, seed, offset, lo, hi, shape), new Dense(shape, want), new Tolerance(0, 0, 0));
        } else {
            double mean = g.uniform(-1, 1), std = g.uniform(0.5, 2);
            double[] z = new double[n];
            Philox.standardNormal(seed, offset, z, 0, n);
            for (int i = 0; i < n; i++) z[i] = TensorGen.roundTo(dt, mean + std * z[i]);
            // log/sin/cos may differ by a few ulp between backends: 8 ulp of float on |z| <= 6 std + |mean|
            Tolerance tol = Tolerance.of(dt);
            check("normal", b.normal(dt, seed, offset, mean, std, shape), new Dense(shape, z), tol, constant(n, 8 * (6 * std + 1)), 1);
        }
    }
}
