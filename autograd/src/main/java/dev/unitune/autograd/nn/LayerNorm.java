package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;

import java.util.Arrays;

/** torch.nn.LayerNorm over the trailing normalizedShape dims; weight ones, bias zeros. */
public class LayerNorm extends Module {
    private final int[] normalizedShape;
    public final double eps;
    private final Parameter weight, bias;

    public LayerNorm(int dim, double eps) { this(new int[]{dim}, eps, true); }

    public LayerNorm(int[] normalizedShape, double eps, boolean affine) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        weight = affine ? registerParameter("weight", Init.ones(normalizedShape)) : null;
        bias = affine ? registerParameter("bias", Init.zeros(normalizedShape)) : null;
    }

    @Override
    public Var forward(Var x) {
        int[] s = x.shape();
        int n = normalizedShape.length;
        if (s.length < n || !Arrays.equals(Arrays.copyOfRange(s, s.length - n, s.length), normalizedShape))
            throw new IllegalArgumentException("LayerNorm" + Arrays.toString(normalizedShape) + " given input " + Arrays.toString(s));
        return F.layerNorm(x, n, weight, bias, eps);
    }
}
