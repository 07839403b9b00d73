package dev.unitune.tensor.cpu.fast;

/**
 * Plain GEMM loops for tiny problems where packing costs more than it saves. Each C element is a
 * float sum over p = 0..k-1 in order, so results do not depend on blocking or threads.
 */
final class SimpleGemm {
    private SimpleGemm() {}

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum = Math.fma(av, bv, sum);
                }
                c[cRow + j] = beta == 0f ? sum : Math.fma(c[cRow + j], beta, sum);
            }
        }
    }
}
