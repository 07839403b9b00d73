package dev.unitune.tensor.cpu.fast;

/**
 * Single-precision GEMM: C[m x n] = op(A) * op(B) + beta * C, row-major with leading dimensions,
 * op(X) = X^T when the flag is set (then X is stored k x m, resp. n x k). beta == 0 overwrites C
 * without reading it (BLAS convention: NaN in the old C does not leak).
 */
public final class Sgemm {
    private Sgemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        long flops = 2L * m * n * k;
        if (flops < SIMPLE_FLOPS) {
            SimpleGemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int threads = flops < PARALLEL_FLOPS ? 1 : Threads.count();
        PackedGemm.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, threads);
    }

    /** Below this many flops packing costs more than it saves. */
    static final long SIMPLE_FLOPS = 1L << 13;
    /** Below this many flops (~20 us of work) a thread hand-off costs more than it saves. */
    static final long PARALLEL_FLOPS = 1L << 22;

    /** Batched GEMM: matrix i uses offsets aOff + i*sA, bOff + i*sB, cOff + i*sC; a stride of 0 broadcasts. */
    public static void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
                                   float[] a, int aOff, int lda, long sA, float[] b, int bOff, int ldb, long sB,
                                   float beta, float[] c, int cOff, int ldc, long sC) {
        if (batch < 0) throw new IllegalArgumentException("gemmBatched: negative batch " + batch);
        if (batch > 1 && sC == 0 && m > 0 && n > 0)
            throw new IllegalArgumentException("gemmBatched: output stride sC is 0 for batch " + batch + " (outputs would overlap)");
        if (batch == 0 || m == 0 || n == 0) return;
        // Offsets are linear in the index, so the first and last matrices bound all the others: check them
        // before any work starts, so bad strides fail cleanly instead of after a partial result.
        for (int i : new int[] {0, batch - 1})
            checkArgs(transA, transB, m, n, k, a, toInt(aOff + i * sA, "A"), lda, b, toInt(bOff + i * sB, "B"), ldb,
                    c, toInt(cOff + i * sC, "C"), ldc);
        int threads = Threads.count();
        long flopsEach = 2L * m * n * k;
        // Whole matrices per thread when the batch divides well over the threads (or is large): no
        // synchronisation inside a matrix. Each matrix is computed the same way either way.
        if (threads > 1 && batch > 1 && (batch % threads == 0 || batch >= 4 * threads || flopsEach < PARALLEL_FLOPS)) {
            Threads.parallelFor(batch, i -> one(i, transA, transB, m, n, k, a, aOff, lda, sA, b, bOff, ldb, sB,
                    beta, c, cOff, ldc, sC, 1));
            return;
        }
        for (int i = 0; i < batch; i++)
            one(i, transA, transB, m, n, k, a, aOff, lda, sA, b, bOff, ldb, sB, beta, c, cOff, ldc, sC,
                    flopsEach < PARALLEL_FLOPS ? 1 : threads);
    }

    private static void one(int i, boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, long sA, float[] b, int bOff, int ldb, long sB,
                            float beta, float[] c, int cOff, int ldc, long sC, int threads) {
        int ao = toInt(aOff + i * sA, "A"), bo = toInt(bOff + i * sB, "B"), co = toInt(cOff + i * sC, "C");
        checkArgs(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc);
        if (2L * m * n * k < SIMPLE_FLOPS) SimpleGemm.gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, beta, c, co, ldc);
        else PackedGemm.gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, beta, c, co, ldc, threads);
    }

    private static int toInt(long offset, String which) {
        if (offset < 0 || offset > Integer.MAX_VALUE)
            throw new IllegalArgumentException("gemmBatched: offset of " + which + " out of range: " + offset);
        return (int) offset;
    }

    static void checkArgs(boolean transA, boolean transB, int m, int n, int k,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        // A is stored rowsA x colsA, B rowsB x colsB, C m x n, each row-major with its leading dimension.
        int rowsA = transA ? k : m, colsA = transA ? m : k;
        int rowsB = transB ? n : k, colsB = transB ? k : n;
        checkMatrix("A", a, aOff, lda, rowsA, colsA);
        checkMatrix("B", b, bOff, ldb, rowsB, colsB);
        checkMatrix("C", c, cOff, ldc, m, n);
    }

    private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) return;
        if (x == null) throw new IllegalArgumentException("gemm: matrix " + name + " is null");
        if (ld < cols)
            throw new IllegalArgumentException("gemm: leading dimension of " + name + " is " + ld + " < " + cols + " columns");
        long last = (long) off + (long) (rows - 1) * ld + cols - 1;
        if (off < 0 || last >= x.length)
            throw new IllegalArgumentException("gemm: matrix " + name + " [" + rows + " x " + cols + "] at offset " + off
                    + " with leading dimension " + ld + " reaches index " + last + " of an array of length " + x.length);
    }
}
