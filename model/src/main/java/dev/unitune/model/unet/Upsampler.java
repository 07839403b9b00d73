package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.Module;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

/**
 * diffusers Upsample2D with a conv (named {@code conv}, 3x3, padding 1) after nearest-neighbour upsampling.
 * Unlike the fixed 2x layer in autograd it can resize to an explicit size, which the UNet asks for when the
 * input's height or width is not a multiple of 2^(number of upsamplers): the decoder then has to meet a skip
 * connection of odd size (e.g. 2 -> 3 when the down path went 5 -> 3 -> 2).
 */
public class Upsampler extends Module {
    private final Conv2d conv;

    public Upsampler(int channels, int outChannels) {
        conv = registerModule("conv", new Conv2d(channels, outChannels, 3, 1, 1));
    }

    /** @param outSize {height, width} to resize to, or null for exactly 2x */
    public Var forward(Var x, int[] outSize) {
        int h = x.dim(2), w = x.dim(3);
        Var up;
        if (outSize == null || (outSize[0] == 2 * h && outSize[1] == 2 * w)) {
            up = F.upsampleNearest(x, 2, 2);
        } else {
            up = resizeAxis(resizeAxis(x, 2, h, outSize[0]), 3, w, outSize[1]);
        }
        return conv.forward(up);
    }

    @Override
    public Var forward(Var x) { return forward(x, null); }

    /** Nearest resize of one axis by gathering source rows (PyTorch's index rule, see {@link NearestIndex}). */
    private static Var resizeAxis(Var x, int axis, int in, int out) {
        if (in == out) return x;
        long[] idx = NearestIndex.of(in, out);
        Tensor index = x.backend().fromHost(idx, DType.I64, out);
        return F.indexSelect(x, axis, index);
    }
}
