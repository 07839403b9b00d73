package dev.unitune.autograd;

import dev.unitune.tensor.Tensor;

import java.util.Random;

/**
 * Synthetic images for an end-to-end test: a filled square, a plus sign or a hollow frame, in a random
 * colour at a random place and size on a dark noisy background. The class is the shape, so the network
 * must learn spatial structure, not colour. Batch b of a seed is always the same images.
 */
public final class ShapesDataset {
    public static final int SIZE = 16, CLASSES = 3;

    private ShapesDataset() {}

    public record Batch(Tensor images, Tensor labels) {}

    public static Batch batch(long seed, int n) {
        Random r = new Random(seed);
        float[] img = new float[n * 3 * SIZE * SIZE];
        long[] labels = new long[n];
        for (int b = 0; b < n; b++) {
            int cls = r.nextInt(CLASSES);
            labels[b] = cls;
            float[] colour = new float[3];
            do {
                for (int c = 0; c < 3; c++) colour[c] = r.nextFloat();
            } while (colour[0] + colour[1] + colour[2] < 1.0f);
            int s = 7 + r.nextInt(4); // side 7..10
            int y0 = r.nextInt(SIZE - s + 1), x0 = r.nextInt(SIZE - s + 1);
            for (int y = 0; y < SIZE; y++)
                for (int x = 0; x < SIZE; x++) {
                    boolean on = inside(cls, y - y0, x - x0, s);
                    for (int c = 0; c < 3; c++)
                        img[((b * 3 + c) * SIZE + y) * SIZE + x] = (on ? colour[c] : 0f) + 0.1f * r.nextFloat();
                }
        }
        return new Batch(TestTensors.f32(img, n, 3, SIZE, SIZE), TestTensors.i64(labels, n));
    }

    private static boolean inside(int cls, int y, int x, int s) {
        if (y < 0 || x < 0 || y >= s || x >= s) return false;
        int mid = s / 2;
        return switch (cls) {
            case 0 -> true;                                                 // filled square
            case 1 -> Math.abs(y - mid) <= 1 || Math.abs(x - mid) <= 1;     // plus sign, arms 3 px thick
            default -> y < 2 || x < 2 || y >= s - 2 || x >= s - 2;          // hollow frame, 2 px thick
        };
    }
}
