package dev.unitune.model.vgg;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;

import java.util.List;
import java.util.Map;

/**
 * Feature-space losses on [0, 1] RGB images through a VGG stack: perceptual (Johnson et al. 2016: mean
 * squared difference of activations) and style (Gatys et al. 2016: mean squared difference of the Gram
 * matrices of {@link VggFeatures#gram}), each averaged over the taps with equal weight. Gradients flow to
 * both images; pass a constant as the target to train only the other.
 */
public final class VggLosses {
    private VggLosses() {}

    /** Mean over taps of mean((phi(a) - phi(b))^2). */
    public static Var perceptual(VggFeatures vgg, Var image01, Var target01, List<String> taps) {
        return average(vgg, image01, target01, taps, false);
    }

    /** Mean over taps of mean((G(phi(a)) - G(phi(b)))^2). */
    public static Var style(VggFeatures vgg, Var image01, Var target01, List<String> taps) {
        return average(vgg, image01, target01, taps, true);
    }

    private static Var average(VggFeatures vgg, Var a, Var b, List<String> taps, boolean gram) {
        if (taps.isEmpty()) throw new IllegalArgumentException("VGG loss needs at least one tap");
        if (!java.util.Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException("VGG loss: image " + java.util.Arrays.toString(a.shape()) + " and target "
                    + java.util.Arrays.toString(b.shape()) + " differ in shape");
        Map<String, Var> fa = vgg.forward(VggFeatures.normalize(a), taps);
        Map<String, Var> fb = vgg.forward(VggFeatures.normalize(b), taps);
        Var total = null;
        for (String t : taps) {
            Var x = gram ? VggFeatures.gram(fa.get(t)) : fa.get(t);
            Var y = gram ? VggFeatures.gram(fb.get(t)) : fb.get(t);
            Var term = F.mean(F.square(F.sub(x, y)));
            total = total == null ? term : F.add(total, term);
        }
        return F.div(total, taps.size());
    }
}
