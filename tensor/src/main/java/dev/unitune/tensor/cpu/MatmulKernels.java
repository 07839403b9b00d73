package dev.unitune.tensor.cpu;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.cpu.fast.Sgemm;
import dev.unitune.tensor.cpu.fast.Threads;

/**
 * Batched matmul. F32 goes to {@link Sgemm} straight from the operands' storage whenever the last two dims
 * form a row-major or column-major matrix (a transposed view just flips the transpose flag, no copy).
 * F64 is a plain triple loop in double, the reference the gradient checks run on.
 */
final class MatmulKernels {
    private MatmulKernels() {}

    record Dims(int m, int n, int k, int[] batch) {}

    static Dims dims(Tensor a, Tensor b, boolean transA, boolean transB) {
        if (a.rank() < 2 || b.rank() < 2)
            throw new IllegalArgumentException("matmul needs rank >= 2 operands, got " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException("matmul: dtypes differ (" + a.dtype().id() + " vs " + b.dtype().id() + ")");
        if (!a.dtype().isFloating())
            throw new IllegalArgumentException("matmul needs float tensors, got " + a.dtype().id());
        int m = transA ? a.dim(-1) : a.dim(-2), ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb)
            throw new IllegalArgumentException("matmul: inner dims differ: a " + Shape.str(a.shape()) + (transA ? "^T" : "")
                    + " has K=" + ka + ", b " + Shape.str(b.shape()) + (transB ? "^T" : "") + " has K=" + kb);
        int[] ba = java.util.Arrays.copyOf(a.shape(), a.rank() - 2), bb = java.util.Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch;
        try {
            batch = Shape.broadcast(ba, bb);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: batch dims of " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()) + " do not broadcast");
        }
        return new Dims(m, n, ka, batch);
    }

    static int[] concat(int[] batch, int x, int y) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = x;
        s[batch.length + 1] = y;
        return s;
    }

    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        Dims d = dims(a, b, transA, transB);
        DType dt = a.dtype();
        if (dt == DType.F64) return matmulF64(a, b, transA, transB, d);
        if (dt != DType.F32) return matmul(a.to(DType.F32), b.to(DType.F32), transA, transB).to(dt);
        return matmulF32(a, b, transA, transB, d);
    }

    /** An operand as Sgemm sees it: array, per-batch offsets, transpose flag and leading dim. */
    private record GemmOperand(float[] array, int[] offsets, boolean trans, int ld) {}

    private static GemmOperand operand(Tensor x, int[] batch, boolean trans) {
        Tensor e = x.expand(concat(batch, x.dim(-2), x.dim(-1)));
        int r = e.dim(-2), c = e.dim(-1), s0 = e.stride(-2), s1 = e.stride(-1);
        boolean rowMajor = (c == 1 || s1 == 1) && (r == 1 || s0 >= Math.max(c, 1));
        boolean colMajor = (r == 1 || s0 == 1) && (c == 1 || s1 >= Math.max(r, 1));
        if (!rowMajor && !colMajor) {
            e = HostArrays.wrap(HostArrays.floats(e).clone(), DType.F32, e.shape()); // dense copy, then row-major
            s0 = e.stride(-2);
            rowMajor = true;
        }
        int ld;
        boolean flag;
        if (rowMajor) { ld = r == 1 ? Math.max(c, 1) : s0; flag = trans; }
        else { ld = c == 1 ? Math.max(r, 1) : s1; flag = !trans; }
        return new GemmOperand((float[]) HostArrays.storage(e).array(), batchOffsets(e, batch), flag, ld);
    }

    /** Storage offset of each batch matrix, in row-major batch order. */
    private static int[] batchOffsets(Tensor e, int[] batch) {
        int nb = Shape.numel(batch);
        int[] out = new int[nb];
        int[] st = e.strides();
        int[] idx = new int[batch.length];
        for (int i = 0; i < nb; i++) {
            long off = e.offset();
            for (int d = 0; d < batch.length; d++) off += (long) idx[d] * st[d];
            out[i] = (int) off;
            for (int d = batch.length - 1; d >= 0; d--) { if (++idx[d] < batch[d]) break; idx[d] = 0; }
        }
        return out;
    }

    /** The common stride of an arithmetic sequence of offsets, or -1 if they are not one. */
    private static long uniformStride(int[] offs) {
        if (offs.length < 2) return 0;
        long s = (long) offs[1] - offs[0];
        for (int i = 2; i < offs.length; i++) if ((long) offs[i] - offs[i - 1] != s) return -1;
        return s < 0 ? -1 : s;
    }

    private static Tensor matmulF32(Tensor a, Tensor b, boolean transA, boolean transB, Dims d) {
        int m = d.m(), n = d.n(), k = d.k(), nb = Shape.numel(d.batch());
        int[] outShape = concat(d.batch(), m, n);
        float[] c = new float[Shape.numel(outShape)];
        if (c.length == 0) return HostArrays.wrap(c, DType.F32, outShape);
        GemmOperand ga = operand(a, d.batch(), transA), gb = operand(b, d.batch(), transB);
        long sA = uniformStride(ga.offsets()), sB = uniformStride(gb.offsets());
        if (nb == 1) {
            Sgemm.gemm(ga.trans(), gb.trans(), m, n, k, ga.array(), ga.offsets()[0], ga.ld(), gb.array(), gb.offsets()[0], gb.ld(),
                    0f, c, 0, n);
        } else if (sA >= 0 && sB >= 0) {
            Sgemm.gemmBatched(nb, ga.trans(), gb.trans(), m, n, k, ga.array(), ga.offsets()[0], ga.ld(), sA,
                    gb.array(), gb.offsets()[0], gb.ld(), sB, 0f, c, 0, n, (long) m * n);
        } else {
            for (int i = 0; i < nb; i++)
                Sgemm.gemm(ga.trans(), gb.trans(), m, n, k, ga.array(), ga.offsets()[i], ga.ld(), gb.array(), gb.offsets()[i], gb.ld(),
                        0f, c, i * m * n, n);
        }
        return HostArrays.wrap(c, DType.F32, outShape);
    }

    private static Tensor matmulF64(Tensor a, Tensor b, boolean transA, boolean transB, Dims d) {
        int m = d.m(), n = d.n(), k = d.k(), nb = Shape.numel(d.batch());
        Tensor va = transA ? a.transpose(-1, -2) : a, vb = transB ? b.transpose(-1, -2) : b;
        double[] x = HostArrays.doubles(va.expand(concat(d.batch(), m, k)));
        double[] y = HostArrays.doubles(vb.expand(concat(d.batch(), k, n)));
        double[] c = new double[nb * m * n];
        gemmF64(nb, m, n, k, x, y, c);
        return HostArrays.wrap(c, DType.F64, concat(d.batch(), m, n));
    }

    /** c[b] = x[b] (m x k) * y[b] (k x n), dense row-major, rows split over threads. */
    static void gemmF64(int nb, int m, int n, int k, double[] x, double[] y, double[] c) {
        int rows = nb * m;
        if (rows == 0) return;
        int parts = (int) Math.max(1, Math.min(rows, Math.min(Threads.count() * 4L, (long) rows * n * k / ElementwiseKernels.GRAIN)));
        Threads.parallelFor(parts, p -> {
            int r0 = (int) ((long) rows * p / parts), r1 = (int) ((long) rows * (p + 1) / parts);
            for (int r = r0; r < r1; r++) {
                int bi = r / m, i = r % m;
                int xo = (bi * m + i) * k, yo = bi * k * n, co = r * n;
                for (int kk = 0; kk < k; kk++) {
                    double av = x[xo + kk];
                    int yr = yo + kk * n;
                    for (int j = 0; j < n; j++) c[co + j] += av * y[yr + j];
                }
            }
        });
    }
}
