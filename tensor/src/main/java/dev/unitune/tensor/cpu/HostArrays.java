package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Half;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/**
 * Moves elements between strided views and dense row-major Java arrays in a compute type: float (F32 and
 * the 16-bit floats), double (everything, exactly for F32/F16/BF16/I32/U8/BOOL) and long (integers). Every
 * op reads its inputs through here, so this class and {@link StridedCursor} are the only places that know
 * about strides.
 */
final class HostArrays {
    private HostArrays() {}

    static CpuStorage storage(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s))
            throw new IllegalArgumentException("tensor " + t + " lives on backend '" + t.backend().name()
                    + "', not on 'cpu'; move it with tensor.to(backend) first");
        return s;
    }

    private static StridedCursor cursor(Tensor t) {
        return new StridedCursor(t.shape(), new int[][]{t.strides()}, new int[]{t.offset()});
    }

    /** True when the tensor is exactly its whole storage array, row-major from 0. */
    static boolean isWholeArray(Tensor t) {
        return t.isContiguous() && t.offset() == 0 && storage(t).length() == t.numel();
    }

    /**
     * Row-major float values of a float tensor (F32, F16, BF16, F64 rounded). May return the storage array
     * itself when the tensor covers it exactly: callers must never write into the result.
     */
    static float[] floats(Tensor t) {
        Object arr = storage(t).array();
        if (arr instanceof float[] f && isWholeArray(t)) return f;
        int n = t.numel();
        float[] out = new float[n];
        if (n == 0) return out;
        DType dt = t.dtype();
        forRowRanges(t, (c, o, len, st) -> {
            int p = c.offset(0);
            switch (dt) {
                case F32 -> {
                    float[] a = (float[]) arr;
                    if (st == 1) System.arraycopy(a, p, out, o, len);
                    else for (int j = 0; j < len; j++) out[o + j] = a[p + j * st];
                }
                case F16, BF16 -> {
                    short[] a = (short[]) arr;
                    for (int j = 0; j < len; j++) out[o + j] = Half.toFloat(a[p + j * st], dt);
                }
                case F64 -> {
                    double[] a = (double[]) arr;
                    for (int j = 0; j < len; j++) out[o + j] = (float) a[p + j * st];
                }
                default -> {
                    for (int j = 0; j < len; j++) out[o + j] = (float) readDouble(arr, dt, p + j * st);
                }
            }
        });
        return out;
    }

    /** Body for one row: cursor at the row, output offset, row length, inner stride. */
    private interface RowCopy { void row(StridedCursor c, int outOffset, int len, int stride); }

    /** Runs body over every row of t in row-major order, rows split into parallel parts for big tensors. */
    private static void forRowRanges(Tensor t, RowCopy body) {
        StridedCursor proto = cursor(t);
        long rows = proto.rows();
        int len = proto.rowLength(), st = proto.innerStride(0);
        long total = rows * len;
        int parts = (int) Math.max(1, Math.min(rows, Math.min(dev.unitune.tensor.cpu.fast.Threads.count() * 4L, total / (4L * ElementwiseKernels.GRAIN))));
        dev.unitune.tensor.cpu.fast.Threads.parallelFor(parts, p -> {
            long r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
            StridedCursor c = p == 0 && parts == 1 ? proto : cursor(t);
            c.seekRow(r0);
            for (long r = r0; r < r1; r++, c.nextRow()) body.row(c, (int) (r * len), len, st);
        });
    }

    /** Row-major double values of any tensor (a fresh array unless F64 covering its storage exactly). */
    static double[] doubles(Tensor t) {
        Object arr = storage(t).array();
        if (arr instanceof double[] d && isWholeArray(t)) return d;
        int n = t.numel();
        double[] out = new double[n];
        if (n == 0) return out;
        DType dt = t.dtype();
        StridedCursor c = cursor(t);
        int len = c.rowLength(), st = c.innerStride(0), o = 0;
        for (long r = 0; r < c.rows(); r++, c.nextRow(), o += len) {
            int p = c.offset(0);
            switch (dt) {
                case F32 -> {
                    float[] a = (float[]) arr;
                    for (int j = 0; j < len; j++) out[o + j] = a[p + j * st];
                }
                case F64 -> {
                    double[] a = (double[]) arr;
                    if (st == 1) System.arraycopy(a, p, out, o, len);
                    else for (int j = 0; j < len; j++) out[o + j] = a[p + j * st];
                }
                default -> {
                    for (int j = 0; j < len; j++) out[o + j] = readDouble(arr, dt, p + j * st);
                }
            }
        }
        return out;
    }

    /** Row-major long values of an integer/bool tensor (floats truncate toward zero). */
    static long[] longs(Tensor t) {
        Object arr = storage(t).array();
        if (arr instanceof long[] l && isWholeArray(t)) return l;
        int n = t.numel();
        long[] out = new long[n];
        if (n == 0) return out;
        DType dt = t.dtype();
        StridedCursor c = cursor(t);
        int len = c.rowLength(), st = c.innerStride(0), o = 0;
        for (long r = 0; r < c.rows(); r++, c.nextRow(), o += len) {
            int p = c.offset(0);
            for (int j = 0; j < len; j++) out[o + j] = readLong(arr, dt, p + j * st);
        }
        return out;
    }

    /** Contiguous copy of any view in its own dtype (raw elements, no conversion). */
    static Object rawCopy(Tensor t) {
        Object arr = storage(t).array();
        int n = t.numel();
        Object out = CpuStorage.newArray(t.dtype(), n);
        if (n == 0) return out;
        DType dt = t.dtype();
        forRowRanges(t, (c, o, len, st) -> {
            int p = c.offset(0);
            if (st == 1) { System.arraycopy(arr, p, out, o, len); return; }
            switch (dt) {
                case F32 -> { float[] a = (float[]) arr, b = (float[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
                case F64 -> { double[] a = (double[]) arr, b = (double[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
                case F16, BF16 -> { short[] a = (short[]) arr, b = (short[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
                case I32 -> { int[] a = (int[]) arr, b = (int[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
                case I64 -> { long[] a = (long[]) arr, b = (long[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
                case U8, BOOL -> { byte[] a = (byte[]) arr, b = (byte[]) out; for (int j = 0; j < len; j++) b[o + j] = a[p + j * st]; }
            }
        });
        return out;
    }

    static double readDouble(Object arr, DType dt, int i) {
        return switch (dt) {
            case F32 -> ((float[]) arr)[i];
            case F64 -> ((double[]) arr)[i];
            case F16, BF16 -> Half.toFloat(((short[]) arr)[i], dt);
            case I32 -> ((int[]) arr)[i];
            case I64 -> ((long[]) arr)[i];
            case U8 -> ((byte[]) arr)[i] & 0xFF;
            case BOOL -> ((byte[]) arr)[i] != 0 ? 1 : 0;
        };
    }

    static long readLong(Object arr, DType dt, int i) {
        return switch (dt) {
            case I32 -> ((int[]) arr)[i];
            case I64 -> ((long[]) arr)[i];
            case U8 -> ((byte[]) arr)[i] & 0xFF;
            case BOOL -> ((byte[]) arr)[i] != 0 ? 1 : 0;
            default -> (long) readDouble(arr, dt, i);
        };
    }

    // ---- building result tensors ---------------------------------------------------------------------

    static Tensor wrap(Object array, DType dt, int[] shape) {
        int n = Shape.numel(shape);
        CpuStorage s = new CpuStorage(CpuBackend.instance(), dt, array, n);
        return Tensor.contiguousOver(s, shape);
    }

    /** Float results to a float dtype (F32 wraps without copying; F16/BF16 round to nearest even). */
    static Tensor fromFloats(float[] v, DType dt, int[] shape) {
        return switch (dt) {
            case F32 -> wrap(v, dt, shape);
            case F16, BF16 -> {
                short[] h = new short[v.length];
                for (int i = 0; i < v.length; i++) h[i] = Half.fromFloat(v[i], dt);
                yield wrap(h, dt, shape);
            }
            case F64 -> {
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) d[i] = v[i];
                yield wrap(d, dt, shape);
            }
            default -> throw new IllegalArgumentException("expected a float dtype, got " + dt.id());
        };
    }

    /** Double results rounded to any dtype (F16/BF16 via float; integers truncate toward zero and wrap). */
    static Tensor fromDoubles(double[] v, DType dt, int[] shape) {
        int n = v.length;
        Object out = CpuStorage.newArray(dt, n);
        switch (dt) {
            case F64 -> { return wrap(v, dt, shape); }
            case F32 -> { float[] o = (float[]) out; for (int i = 0; i < n; i++) o[i] = (float) v[i]; }
            case F16, BF16 -> { short[] o = (short[]) out; for (int i = 0; i < n; i++) o[i] = Half.fromFloat((float) v[i], dt); }
            case I32 -> { int[] o = (int[]) out; for (int i = 0; i < n; i++) o[i] = (int) (long) v[i]; }
            case I64 -> { long[] o = (long[]) out; for (int i = 0; i < n; i++) o[i] = (long) v[i]; }
            case U8 -> { byte[] o = (byte[]) out; for (int i = 0; i < n; i++) o[i] = (byte) (long) v[i]; }
            case BOOL -> { byte[] o = (byte[]) out; for (int i = 0; i < n; i++) o[i] = (byte) (v[i] != 0 ? 1 : 0); }
        }
        return wrap(out, dt, shape);
    }

    /** Long results to any dtype (integers wrap like a C cast; BOOL is nonzero). */
    static Tensor fromLongs(long[] v, DType dt, int[] shape) {
        int n = v.length;
        Object out = CpuStorage.newArray(dt, n);
        switch (dt) {
            case I64 -> { return wrap(v, dt, shape); }
            case I32 -> { int[] o = (int[]) out; for (int i = 0; i < n; i++) o[i] = (int) v[i]; }
            case U8 -> { byte[] o = (byte[]) out; for (int i = 0; i < n; i++) o[i] = (byte) v[i]; }
            case BOOL -> { byte[] o = (byte[]) out; for (int i = 0; i < n; i++) o[i] = (byte) (v[i] != 0 ? 1 : 0); }
            case F64 -> { double[] o = (double[]) out; for (int i = 0; i < n; i++) o[i] = v[i]; }
            case F32 -> { float[] o = (float[]) out; for (int i = 0; i < n; i++) o[i] = v[i]; }
            case F16, BF16 -> { short[] o = (short[]) out; for (int i = 0; i < n; i++) o[i] = Half.fromFloat((float) v[i], dt); }
        }
        return wrap(out, dt, shape);
    }
}
