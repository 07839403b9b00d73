package dev.unitune.tensor.cpu;

/**
 * The one strided-index iterator of the CPU backend. It walks a shape in row-major order for several
 * operands at once (each with its own strides and offset, a stride of 0 meaning broadcast) and hands out
 * one innermost row at a time: the caller loops {@code j < rowLength()} over
 * {@code offset(k) + j * innerStride(k)}. Adjacent dims that are laid out contiguously for every operand
 * are merged first, so a contiguous tensor is a single long row.
 *
 * <p>Parallel loops give each part its own cursor and {@link #seekRow(long) seek} to their first row.
 */
final class StridedCursor {
    private final int[] shape;     // coalesced, at least rank 1
    private final int[][] strides; // [operand][dim]
    private final int[] base;
    private final int[] idx;
    private final int[] off;
    private final int rank;
    private final long rows;

    StridedCursor(int[] shape, int[][] operandStrides, int[] offsets) {
        int k = operandStrides.length;
        // Coalesce: merge dim d into d+1 when, for every operand, stride[d] == stride[d+1] * shape[d+1].
        int[] sh = new int[Math.max(shape.length, 1)];
        int[][] st = new int[k][sh.length];
        int r = 0;
        if (shape.length == 0) { sh[0] = 1; r = 1; }
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && shape.length > 1) continue; // size-1 dims contribute nothing
            if (r > 0 && canMerge(sh[r - 1], st, r - 1, shape[d], operandStrides, d)) {
                sh[r - 1] *= shape[d];
                for (int o = 0; o < k; o++) st[o][r - 1] = operandStrides[o][d];
                continue;
            }
            sh[r] = shape[d];
            for (int o = 0; o < k; o++) st[o][r] = operandStrides[o][d];
            r++;
        }
        if (r == 0) { sh[0] = 1; r = 1; } // every dim was 1
        this.rank = r;
        this.shape = java.util.Arrays.copyOf(sh, r);
        this.strides = new int[k][];
        for (int o = 0; o < k; o++) this.strides[o] = java.util.Arrays.copyOf(st[o], r);
        this.base = offsets.clone();
        this.off = offsets.clone();
        this.idx = new int[r];
        long rw = 1;
        for (int d = 0; d < r - 1; d++) rw *= this.shape[d];
        this.rows = this.shape[r - 1] == 0 ? 0 : rw;
    }

    private static boolean canMerge(int prevSize, int[][] st, int prevDim, int size, int[][] src, int d) {
        for (int o = 0; o < st.length; o++) if (st[o][prevDim] != src[o][d] * size) return false;
        return prevSize >= 0;
    }

    /** Number of rows (product of all dims but the innermost). */
    long rows() { return rows; }

    int rowLength() { return shape[rank - 1]; }

    int innerStride(int operand) { return strides[operand][rank - 1]; }

    /** Start offset of the current row for an operand. */
    int offset(int operand) { return off[operand]; }

    /** Positions the cursor at the start of row number {@code row}. */
    void seekRow(long row) {
        long rem = row;
        for (int d = rank - 2; d >= 0; d--) {
            idx[d] = (int) (rem % shape[d]);
            rem /= shape[d];
        }
        idx[rank - 1] = 0;
        for (int o = 0; o < off.length; o++) {
            long x = base[o];
            for (int d = 0; d < rank - 1; d++) x += (long) idx[d] * strides[o][d];
            off[o] = (int) x;
        }
    }

    /** Advances to the next row. */
    void nextRow() {
        for (int d = rank - 2; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                for (int o = 0; o < off.length; o++) off[o] += strides[o][d];
                return;
            }
            idx[d] = 0;
            for (int o = 0; o < off.length; o++) off[o] -= strides[o][d] * (shape[d] - 1);
        }
    }
}
