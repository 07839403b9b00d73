package dev.unitune.model.vgg;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VGG convolutional features with torchvision parameter names ({@code features.N.weight}), evaluated up
 * to the deepest requested tap. Input is an image already normalised with {@link #normalize} (ImageNet
 * mean/std on [0, 1] RGB), as torchvision's pretrained weights expect.
 */
public final class VggFeatures extends Module {
    public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    private final VggConfig config;
    private final ModuleList<Module> features;
    private final List<Object> kinds = new ArrayList<>(); // per index: Conv2d, "relu" or "pool"

    /**
     * Builds the stack up to features[lastIndex] (inclusive; -1 for all): a perceptual loss that only reads
     * relu4_3 needs neither the later weights nor their memory.
     */
    public VggFeatures(VggConfig config, int lastIndex) {
        this.config = config;
        this.features = registerModule("features", new ModuleList<>());
        int in = 3, index = 0;
        for (Object o : config.layers()) {
            if (lastIndex >= 0 && index > lastIndex) break;
            if ("M".equals(o)) {
                features.add(new Pool());
                kinds.add("pool");
                index++;
            } else {
                int out = (Integer) o;
                Conv2d conv = new Conv2d(in, out, 3, 3, Conv2dSpec.of(1, 1), true);
                features.add(conv);
                kinds.add(conv);
                index++;
                if (lastIndex >= 0 && index > lastIndex) break;
                features.add(new Relu());
                kinds.add("relu");
                index++;
                in = out;
            }
        }
    }

    /** The stack needed for these taps. */
    public static VggFeatures forTaps(VggConfig config, Collection<String> taps) {
        int last = 0;
        for (String t : taps) last = Math.max(last, tapIndex(config, t));
        return new VggFeatures(config, last);
    }

    static int tapIndex(VggConfig config, String tap) {
        Integer idx = config.taps().get(tap);
        if (idx == null) throw new IllegalArgumentException("unknown VGG tap '" + tap + "' (known: " + config.taps().keySet() + ")");
        return idx;
    }

    public VggConfig config() { return config; }

    /** Number of layers built (the highest usable features index + 1). */
    public int depth() { return kinds.size(); }

    /** (x - mean) / std per RGB channel, x in [0, 1] of shape [B, 3, H, W]. */
    public static Var normalize(Var image01) {
        if (image01.rank() != 4 || image01.dim(1) != 3)
            throw new IllegalArgumentException("VGG input must be [B, 3, H, W] RGB, got " + java.util.Arrays.toString(image01.shape()));
        Backend be = image01.backend();
        Var mean = Var.constant(channelConstant(be, image01.dtype(), IMAGENET_MEAN));
        Var std = Var.constant(channelConstant(be, image01.dtype(), IMAGENET_STD));
        return F.div(F.sub(image01, mean), std);
    }

    private static Tensor channelConstant(Backend be, DType dtype, double[] v) {
        if (dtype == DType.F64) return be.fromHost(v.clone(), DType.F64, 1, 3, 1, 1);
        float[] f = {(float) v[0], (float) v[1], (float) v[2]};
        return be.fromHost(f, DType.F32, 1, 3, 1, 1).to(dtype);
    }

    /** Activations at the requested taps (by name), from a normalised image. */
    public Map<String, Var> forward(Var normalized, Collection<String> taps) {
        Map<Integer, String> wanted = new LinkedHashMap<>();
        int last = -1;
        for (String t : taps) {
            int idx = tapIndex(config, t);
            if (idx >= depth()) throw new IllegalArgumentException("VGG tap " + t + " (features." + idx + ") is past the " + depth() + " layers built");
            wanted.put(idx, t);
            last = Math.max(last, idx);
        }
        Map<String, Var> out = new LinkedHashMap<>();
        Var x = normalized;
        for (int i = 0; i <= last; i++) {
            x = features.get(i).forward(x);
            String tap = wanted.get(i);
            if (tap != null) out.put(tap, x);
        }
        Map<String, Var> ordered = new LinkedHashMap<>();
        for (String t : taps) ordered.put(t, out.get(t));
        return ordered;
    }

    /** Gram matrix F F^T / (C H W) with F the activation as [B, C, H*W]: the style statistic of Gatys et al. */
    public static Var gram(Var activation) {
        int b = activation.dim(0), c = activation.dim(1), hw = activation.dim(2) * activation.dim(3);
        Var f = F.reshape(activation, b, c, hw);
        return F.div(F.matmul(f, f, false, true), (double) c * hw);
    }

    /** ReLU as a parameter-free layer (torchvision's ReLU(inplace=True)). */
    private static final class Relu extends Module {
        @Override
        public Var forward(Var x) { return F.relu(x); }
    }

    /** 2x2 max-pool with stride 2 (floor mode). */
    private static final class Pool extends Module {
        private static final Pool2dSpec SPEC = Pool2dSpec.of(2, 2);

        @Override
        public Var forward(Var x) { return F.maxPool2d(x, SPEC); }
    }
}
