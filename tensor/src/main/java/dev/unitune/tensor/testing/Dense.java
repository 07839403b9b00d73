package dev.unitune.tensor.testing;

import dev.unitune.tensor.Shape;

/** A dense row-major array of doubles with a shape: the values the reference ops work on. */
public record Dense(int[] shape, double[] v) {
    public Dense {
        if (Shape.numel(shape) != v.length)
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + Shape.numel(shape) + " values, got " + v.length);
    }

    public static Dense zeros(int... shape) { return new Dense(shape, new double[Shape.numel(shape)]); }

    public int numel() { return v.length; }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[Shape.axis(axis, shape.length)]; }

    public int[] strides() { return Shape.contiguousStrides(shape); }

    /** Multi-index of flat index i. */
    public int[] index(int i) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) { if (shape[d] > 0) { idx[d] = i % shape[d]; i /= shape[d]; } }
        return idx;
    }

    public int flat(int... idx) {
        int f = 0;
        for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
        return f;
    }

    public double at(int... idx) { return v[flat(idx)]; }
}
