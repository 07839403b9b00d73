package dev.unitune.kernels;

import dev.unitune.tensor.Shape;

/**
 * Moves a set of axes last so an op becomes "for each of rows, work on inner elements": the permutation,
 * the row count, the row length and the kept shape. Row r, element j is flat index r*inner + j of the
 * permuted view, which is what the row kernels index.
 */
record RowLayout(int[] perm, int rows, int inner, int[] keptShape, boolean[] reduced) {
    static RowLayout of(int[] shape, int[] axes) {
        int rank = shape.length;
        boolean[] red = new boolean[rank];
        if (axes == null || axes.length == 0) java.util.Arrays.fill(red, true);
        else for (int a : axes) {
            int n = Shape.axis(a, rank);
            if (red[n]) throw new IllegalArgumentException("axis " + a + " repeated in " + Shape.str(axes));
            red[n] = true;
        }
        int[] perm = new int[rank];
        int p = 0, rows = 1, inner = 1, keptCount = 0;
        for (int d = 0; d < rank; d++) if (!red[d]) { perm[p++] = d; rows *= shape[d]; keptCount++; }
        for (int d = 0; d < rank; d++) if (red[d]) { perm[p++] = d; inner *= shape[d]; }
        int[] kept = new int[keptCount];
        for (int d = 0, k = 0; d < rank; d++) if (!red[d]) kept[k++] = shape[d];
        return new RowLayout(perm, rows, inner, kept, red);
    }

    /** Output shape with reduced dims dropped or kept as 1. */
    int[] outShape(int[] shape, boolean keepDims) {
        if (!keepDims) return keptShape.clone();
        int[] out = shape.clone();
        for (int d = 0; d < out.length; d++) if (reduced[d]) out[d] = 1;
        return out;
    }

    /** Whether a row kernel should use one thread per row (short rows) rather than a block per row. */
    boolean threadPerRow() { return inner <= 32 || (rows >= 2048 && inner <= 512); }
}
