package dev.unitune.tensor.cpu;

import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MathFunctions;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * Elementwise ops. Floats are computed per element in double and rounded once to the dtype (for +, -, *,
 * / and sqrt this equals the float operation exactly; for the transcendental functions it is at least as
 * accurate as a float libm). F16/BF16 compute on their F32 values. Integers compute in long and wrap to
 * their width like a C cast.
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {}

    /** Elements per parallel part: below this, threads cost more than they save. */
    static final int GRAIN = 1 << 15;

    static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case RECIPROCAL -> 1.0 / x;
            case SQUARE -> x * x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> MathFunctions.sigmoid(x);
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            case SILU -> x * MathFunctions.sigmoid(x);
            case GELU -> MathFunctions.gelu(x);
            case GELU_TANH -> MathFunctions.geluTanh(x);
            case QUICK_GELU -> MathFunctions.quickGelu(x);
            case ERF -> MathFunctions.erf(x);
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
            case ROUND -> Math.rint(x); // torch.round: half to even
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
            case NOT -> x == 0 ? 1.0 : 0.0;
        };
    }

    static long unaryLong(UnaryOp op, long x, DType dt) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Long.signum(x);
            case SQUARE -> x * x;
            case RELU -> Math.max(x, 0);
            case FLOOR, CEIL, ROUND -> x;
            case NOT -> x == 0 ? 1 : 0;
            default -> throw new IllegalArgumentException("unary " + op + " is not defined for " + dt.id()
                    + " tensors; cast to a float dtype first");
        };
    }

    static double binary(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> Math.pow(a, b);
            case ATAN2 -> Math.atan2(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case AND -> (a != 0 && b != 0) ? 1 : 0;
            case OR -> (a != 0 || b != 0) ? 1 : 0;
        };
    }

    static long binaryLong(BinaryOp op, long a, long b, DType dt) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) throw new ArithmeticException("integer division by zero in a " + dt.id() + " tensor");
                yield a / b;
            }
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> {
                if (b < 0) throw new IllegalArgumentException("integer pow with a negative exponent (" + b + ") in a " + dt.id() + " tensor");
                long r = 1;
                for (long i = 0; i < b; i++) r *= a;
                yield r;
            }
            case ATAN2 -> throw new IllegalArgumentException("ATAN2 is not defined for " + dt.id() + " tensors; cast to a float dtype first");
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case AND -> (a != 0 && b != 0) ? 1 : 0;
            case OR -> (a != 0 || b != 0) ? 1 : 0;
        };
    }

    // ---- tensor-level ops ---------------------------------------------------------------------------

    static Tensor unary(UnaryOp op, Tensor x) {
        DType dt = x.dtype();
        int[] shape = x.shape();
        int n = x.numel();
        if (dt == DType.F64) {
            double[] in = HostArrays.doubles(x), out = new double[n];
            parallelRange(n, (s, e) -> { for (int i = s; i < e; i++) out[i] = unary(op, in[i]); });
            return HostArrays.wrap(out, dt, shape);
        }
        if (dt.isFloating()) {
            float[] in = HostArrays.floats(x), out = new float[n];
            parallelRange(n, (s, e) -> unaryFloatRange(op, in, out, s, e));
            return HostArrays.fromFloats(out, dt, shape);
        }
        if (dt == DType.BOOL && op != UnaryOp.NOT && op != UnaryOp.ABS)
            throw new IllegalArgumentException("unary " + op + " is not defined for bool tensors");
        long[] in = HostArrays.longs(x), out = new long[n];
        for (int i = 0; i < n; i++) out[i] = unaryLong(op, in[i], dt);
        return HostArrays.fromLongs(out, dt, shape);
    }

    private static void unaryFloatRange(UnaryOp op, float[] in, float[] out, int s, int e) {
        switch (op) { // hot activations get vector kernels (F32 accuracy); the rest go through double
            case NEG -> { for (int i = s; i < e; i++) out[i] = -in[i]; }
            case RELU -> { for (int i = s; i < e; i++) { float v = in[i]; out[i] = v > 0 || v != v ? v : 0f; } }
            case SQUARE -> { for (int i = s; i < e; i++) out[i] = in[i] * in[i]; }
            default -> {
                if (VectorActivations.supports(op)) VectorActivations.apply(op, in, out, s, e);
                else for (int i = s; i < e; i++) out[i] = (float) unary(op, in[i]);
            }
        }
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException("binary " + op + ": dtypes differ (" + a.dtype().id() + " " + Shape.str(a.shape())
                    + " vs " + b.dtype().id() + " " + Shape.str(b.shape()) + "); cast one first");
        int[] shape;
        try {
            shape = Shape.broadcast(a.shape(), b.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("binary " + op + ": " + e.getMessage());
        }
        DType dt = a.dtype();
        DType outType = op.isComparison() ? DType.BOOL : dt;
        int n = Shape.numel(shape);
        if (dt == DType.F32 || dt == DType.F64) {
            Tensor ea = a.expand(shape), eb = b.expand(shape);
            StridedCursor proto = new StridedCursor(shape, new int[][]{ea.strides(), eb.strides()}, new int[]{ea.offset(), eb.offset()});
            Object arrA = HostArrays.storage(a).array(), arrB = HostArrays.storage(b).array();
            if (dt == DType.F32) {
                float[] out = new float[n];
                forEachRowParallel(shape, ea, eb, proto, (c, q) -> f32Row(op, (float[]) arrA, (float[]) arrB, out, c, q));
                return op.isComparison() ? HostArrays.fromFloats(out, DType.F32, shape).to(DType.BOOL) : HostArrays.wrap(out, dt, shape);
            }
            double[] out = new double[n];
            forEachRowParallel(shape, ea, eb, proto, (c, q) -> f64Row(op, (double[]) arrA, (double[]) arrB, out, c, q));
            return HostArrays.fromDoubles(out, outType, shape);
        }
        if (dt.isFloating()) { // F16/BF16: compute on the F32 values, round once
            Tensor r = binary(op, a.to(DType.F32), b.to(DType.F32));
            return r.dtype() == DType.BOOL ? r : r.to(dt);
        }
        if (dt == DType.BOOL && !(op.isComparison() || op == BinaryOp.MAX || op == BinaryOp.MIN))
            throw new IllegalArgumentException("binary " + op + " is not defined for bool tensors; use AND/OR or cast first");
        long[] la = HostArrays.longs(a.expand(shape)), lb = HostArrays.longs(b.expand(shape));
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = binaryLong(op, la[i], lb[i], dt);
        return HostArrays.fromLongs(out, outType, shape);
    }

    private interface RowBody { void run(StridedCursor c, int outOffset); }

    /** Runs body on every row of the broadcast (a, b) iteration, rows split into parallel parts. */
    private static void forEachRowParallel(int[] shape, Tensor ea, Tensor eb, StridedCursor proto, RowBody body) {
        long rows = proto.rows();
        int len = proto.rowLength();
        long total = rows * len;
        int parts = (int) Math.max(1, Math.min(rows, Math.min(Threads.count() * 4L, total / GRAIN)));
        Threads.parallelFor(parts, p -> {
            long r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
            StridedCursor c = new StridedCursor(shape, new int[][]{ea.strides(), eb.strides()}, new int[]{ea.offset(), eb.offset()});
            c.seekRow(r0);
            for (long r = r0; r < r1; r++, c.nextRow()) body.run(c, (int) (r * len));
        });
    }

    private static void f32Row(BinaryOp op, float[] a, float[] b, float[] out, StridedCursor c, int q) {
        int len = c.rowLength(), pa = c.offset(0), pb = c.offset(1), sa = c.innerStride(0), sb = c.innerStride(1);
        switch (op) {
            case ADD -> { for (int j = 0; j < len; j++) out[q + j] = a[pa + j * sa] + b[pb + j * sb]; }
            case SUB -> { for (int j = 0; j < len; j++) out[q + j] = a[pa + j * sa] - b[pb + j * sb]; }
            case MUL -> { for (int j = 0; j < len; j++) out[q + j] = a[pa + j * sa] * b[pb + j * sb]; }
            case DIV -> { for (int j = 0; j < len; j++) out[q + j] = a[pa + j * sa] / b[pb + j * sb]; }
            default -> { for (int j = 0; j < len; j++) out[q + j] = (float) binary(op, a[pa + j * sa], b[pb + j * sb]); }
        }
    }

    private static void f64Row(BinaryOp op, double[] a, double[] b, double[] out, StridedCursor c, int q) {
        int len = c.rowLength(), pa = c.offset(0), pb = c.offset(1), sa = c.innerStride(0), sb = c.innerStride(1);
        for (int j = 0; j < len; j++) out[q + j] = binary(op, a[pa + j * sa], b[pb + j * sb]);
    }

    static Tensor binaryScalar(BinaryOp op, Tensor x, double scalar) {
        DType dt = x.dtype();
        if (!dt.isFloating() && scalar != Math.rint(scalar))
            throw new IllegalArgumentException("binaryScalar " + op + ": scalar " + scalar + " is not an integer but the tensor is "
                    + dt.id() + "; cast the tensor to a float dtype first");
        Tensor s = CpuBackend.instance().fill(dt, scalar, new int[0]);
        return binary(op, x, s);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException("where: dtypes of a and b differ (" + a.dtype().id() + " vs " + b.dtype().id() + ")");
        int[] shape;
        try {
            shape = Shape.broadcast(cond.shape(), a.shape(), b.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("where: cond " + Shape.str(cond.shape()) + ", a " + Shape.str(a.shape())
                    + ", b " + Shape.str(b.shape()) + ": " + e.getMessage());
        }
        double[] c = HostArrays.doubles(cond.expand(shape));
        Object ra = HostArrays.rawCopy(a.expand(shape)), rb = HostArrays.rawCopy(b.expand(shape));
        Object out = CpuStorage.newArray(a.dtype(), c.length);
        if (out instanceof float[] fo) {
            float[] fa = (float[]) ra, fb = (float[]) rb;
            for (int i = 0; i < c.length; i++) fo[i] = c[i] != 0 ? fa[i] : fb[i];
        } else for (int i = 0; i < c.length; i++) System.arraycopy(c[i] != 0 ? ra : rb, i, out, i, 1);
        return HostArrays.wrap(out, a.dtype(), shape);
    }

    static Tensor clamp(Tensor x, double lo, double hi) {
        if (lo > hi) throw new IllegalArgumentException("clamp: lo " + lo + " > hi " + hi);
        DType dt = x.dtype();
        int n = x.numel();
        if (dt.isFloating()) {
            double[] in = HostArrays.doubles(x), out = new double[n];
            for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(in[i], lo), hi); // NaN stays NaN
            return HostArrays.fromDoubles(out, dt, x.shape());
        }
        long[] in = HostArrays.longs(x), out = new long[n];
        for (int i = 0; i < n; i++) out[i] = (long) Math.min(Math.max((double) in[i], Math.ceil(lo)), Math.floor(hi));
        return HostArrays.fromLongs(out, dt, x.shape());
    }

    static Tensor cast(Tensor x, DType to) {
        DType from = x.dtype();
        int[] shape = x.shape();
        if (from == to) return HostArrays.wrap(HostArrays.rawCopy(x), to, shape);
        if (from.isFloating() && to.isFloating() && from != DType.F64 && to != DType.F64)
            return HostArrays.fromFloats(HostArrays.floats(x).clone(), to, shape);
        if (!from.isFloating() && !to.isFloating()) return HostArrays.fromLongs(HostArrays.longs(x), to, shape);
        if (!from.isFloating() && from == DType.I64) return HostArrays.fromDoubles(longsToDoubles(HostArrays.longs(x)), to, shape);
        return HostArrays.fromDoubles(HostArrays.doubles(x).clone(), to, shape);
    }

    private static double[] longsToDoubles(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    interface Range { void run(int start, int end); }

    /** Splits [0, n) into contiguous parts of at least GRAIN elements and runs them on the shared pool. */
    static void parallelRange(int n, Range body) {
        int parts = (int) Math.max(1, Math.min(Threads.count() * 4L, n / GRAIN));
        Threads.parallelFor(parts, p -> body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)));
    }
}
