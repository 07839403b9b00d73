package dev.unitune.kernels;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;

/**
 * Batched matmul on the tiled GEMM kernel (gemm.cu). Operands are read through their strides (a transpose
 * swaps the row and column stride), broadcast batch dims become a per-batch offset table, so F32 operands
 * are never copied; F16/BF16 are widened to F32 first and the result is rounded back.
 */
final class GemmOps {
    private static final int MAX_GRID_Z = 65535;

    /**
     * Output elements (M*N*batches) from which the 128x128-tile kernels are used, when M and N are both
     * >= 128: enough 128x128 tiles to fill a GPU. Smaller problems keep 64x64 tiles for parallelism.
     * Tests lower it to exercise the big-tile kernels on small shapes.
     */
    static long bigTileMinOutputs = 4L << 20;

    static boolean bigTiles(long m, long n, long batches) { return m >= 128 && n >= 128 && m * n * batches >= bigTileMinOutputs; }
    private final DeviceBackend b;

    GemmOps(DeviceBackend b) { this.b = b; }

    Tensor matmul(Tensor a, Tensor bt, boolean transA, boolean transB) {
        b.buf(a);
        b.buf(bt);
        if (a.rank() < 2 || bt.rank() < 2 || a.dtype() != bt.dtype() || !a.dtype().isFloating())
            throw new IllegalArgumentException("matmul: needs two float tensors of rank >= 2 and one dtype, got " + a + " and " + bt);
        int M = transA ? a.dim(-1) : a.dim(-2), Ka = transA ? a.dim(-2) : a.dim(-1);
        int Kb = transB ? bt.dim(-1) : bt.dim(-2), N = transB ? bt.dim(-2) : bt.dim(-1);
        if (Ka != Kb)
            throw new IllegalArgumentException("matmul: inner dims differ: " + Shape.str(a.shape()) + (transA ? "^T" : "")
                    + " x " + Shape.str(bt.shape()) + (transB ? "^T" : ""));
        int[] aBatch = Arrays.copyOf(a.shape(), a.rank() - 2), bBatch = Arrays.copyOf(bt.shape(), bt.rank() - 2);
        int[] batchShape = Shape.broadcast(aBatch, bBatch);
        int batches = Shape.numel(batchShape);
        DType dtype = a.dtype();
        boolean tensorCores = (dtype == DType.F16 || dtype == DType.BF16) && b.tensorCoreGemm();
        // F32 operands are read in place; F16/BF16 go to the tensor-core kernel as they are, else are widened
        Tensor af = dtype == DType.F32 || tensorCores ? a : b.f32(a), bf = dtype == DType.F32 || tensorCores ? bt : b.f32(bt);
        int[] outShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        outShape[batchShape.length] = M;
        outShape[batchShape.length + 1] = N;
        Tensor out = b.alloc(DType.F32, outShape);
        if (batches > 0 && M > 0 && N > 0) {
            int[] aOff = batchOffsets(af, batchShape), bOff = batchOffsets(bf, batchShape);
            int aRow = af.stride(-2), aCol = af.stride(-1), bRow = bf.stride(-2), bCol = bf.stride(-1);
            if (transA) { int t = aRow; aRow = aCol; aCol = t; }
            if (transB) { int t = bRow; bRow = bCol; bCol = t; }
            try (Tensor aOffT = b.fromHost(aOff, DType.I32, batches); Tensor bOffT = b.fromHost(bOff, DType.I32, batches)) {
                for (int base = 0; base < batches; base += MAX_GRID_Z) {
                    int z = Math.min(MAX_GRID_Z, batches - base);
                    int bf16 = dtype == DType.BF16 ? 1 : 0;
                    int vecB = tensorCores ? vectorLayoutOfB(aRow, aCol, bRow, bCol, N, Ka, aOff, bOff) : -1;
                    if (vecB >= 0) // 16-byte loads: bStride is the non-unit stride of B
                        b.dev.launch("gemm_tc", "gemm_tc_16_vec", new int[] {(N + 63) / 64, (M + 63) / 64, z}, new int[] {128, 1, 1},
                                bf16, b.buf(af), b.buf(aOffT), aRow, b.buf(bf), b.buf(bOffT), vecB == 1 ? bRow : bCol, vecB,
                                b.buf(out), M, N, Ka, base);
                    else if (tensorCores)
                        b.dev.launch("gemm_tc", "gemm_tc_16", new int[] {(N + 63) / 64, (M + 63) / 64, z}, new int[] {128, 1, 1},
                                bf16, b.buf(af), b.buf(aOffT), aRow, aCol, b.buf(bf), b.buf(bOffT), bRow, bCol,
                                b.buf(out), M, N, Ka, base);
                    else if (bigTiles(M, N, batches))
                        b.dev.launch("gemm", "gemm_f32_128", new int[] {(N + 127) / 128, (M + 127) / 128, z}, new int[] {16, 16, 1},
                                b.buf(af), b.buf(aOffT), aRow, aCol, b.buf(bf), b.buf(bOffT), bRow, bCol, b.buf(out), M, N, Ka, base);
                    else b.dev.launch("gemm", "gemm_f32", new int[] {(N + 63) / 64, (M + 63) / 64, z}, new int[] {16, 16, 1},
                            b.buf(af), b.buf(aOffT), aRow, aCol, b.buf(bf), b.buf(bOffT), bRow, bCol, b.buf(out), M, N, Ka, base);
                }
            }
        }
        DeviceBackend.dropTemp(af, a);
        DeviceBackend.dropTemp(bf, bt);
        return b.fromF32(out, dtype);
    }

    /**
     * Whether gemm_tc_16_vec's 16-byte loads apply: A has unit k stride, K % 8 == 0, and every row start
     * is 16-byte aligned; returns 1 when B has unit n stride (needs N % 8 == 0), 0 when B has unit k
     * stride, -1 when neither layout fits (element-wise loads then).
     */
    static int vectorLayoutOfB(int aRow, int aCol, int bRow, int bCol, int n, int k, int[] aOff, int[] bOff) {
        if (aCol != 1 || k % 8 != 0 || aRow % 8 != 0 || !allMultiplesOf8(aOff) || !allMultiplesOf8(bOff)) return -1;
        if (bCol == 1 && bRow % 8 == 0 && n % 8 == 0) return 1;
        if (bRow == 1 && bCol % 8 == 0) return 0;
        return -1;
    }

    private static boolean allMultiplesOf8(int[] offsets) {
        for (int o : offsets) if (o % 8 != 0) return false;
        return true;
    }

    /** Element offset of each batch's matrix, batches in row-major order of the broadcast batch shape. */
    static int[] batchOffsets(Tensor t, int[] batchShape) {
        int rank = batchShape.length, lead = rank - (t.rank() - 2);
        int[] strides = new int[rank];
        for (int d = 0; d < rank; d++) {
            int td = d - lead;
            strides[d] = td < 0 || t.shape()[td] == 1 ? 0 : t.strides()[td];
        }
        int n = Shape.numel(batchShape);
        int[] off = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            long o = t.offset();
            for (int d = 0; d < rank; d++) o += (long) idx[d] * strides[d];
            off[i] = Math.toIntExact(o);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < batchShape[d]) break;
                idx[d] = 0;
            }
        }
        return off;
    }
}
