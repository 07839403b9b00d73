package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/** Loss functions (mean reduction, as PyTorch's defaults) and the Gram matrix for style losses. */
public final class Losses {
    private Losses() {}

    /** mean((pred - target)^2). */
    public static Var mse(Var pred, Var target) {
        sameShape("mse", pred, target);
        return F.mean(F.square(F.sub(pred, target)));
    }

    /** mean(|pred - target|). */
    public static Var l1(Var pred, Var target) {
        sameShape("l1", pred, target);
        return F.mean(F.abs(F.sub(pred, target)));
    }

    /** Cross-entropy from logits [N, C] and class indices [N] (I32/I64), averaged over N. */
    public static Var crossEntropy(Var logits, Tensor targets) {
        if (logits.rank() != 2 || targets.rank() != 1 || targets.dim(0) != logits.dim(0))
            throw new IllegalArgumentException("crossEntropy expects logits [N, C] and targets [N], got "
                    + Shape.str(logits.shape()) + " and " + Shape.str(targets.shape()));
        Var logp = F.logSoftmax(logits, 1);
        Var picked = F.gather(logp, 1, targets.reshape(targets.dim(0), 1));
        return F.neg(F.mean(picked));
    }

    /**
     * Normalised Gram matrix of features [B, C, H, W]: G = F F^T / (C H W) with F = features as [B, C, H*W]
     * (the normalisation of the golden VGG file); result [B, C, C].
     */
    public static Var gram(Var features) {
        if (features.rank() != 4) throw new IllegalArgumentException("gram expects [B, C, H, W], got " + Shape.str(features.shape()));
        int b = features.dim(0), c = features.dim(1), hw = features.dim(2) * features.dim(3);
        Var f = F.reshape(features, b, c, hw);
        return F.div(F.matmul(f, f, false, true), (double) c * hw);
    }

    private static void sameShape(String what, Var a, Var b) {
        if (!a.tensor().sameShape(b.tensor()))
            throw new IllegalArgumentException(what + " loss: prediction " + Shape.str(a.shape()) + " and target " + Shape.str(b.shape()) + " differ in shape");
    }
}
