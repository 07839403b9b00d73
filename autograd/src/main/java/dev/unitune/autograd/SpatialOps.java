package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.PoolResult;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

/** Convolution, pooling and nearest upsampling, each with the backend's fused backward kernels. */
final class SpatialOps {
    private SpatialOps() {}

    static Var conv2d(Var input, Var weight, Var bias, Conv2dSpec spec) {
        Tensor x = input.tensor(), w = weight.tensor();
        if (x.rank() != 4 || w.rank() != 4)
            throw new IllegalArgumentException("conv2d: input " + Shape.str(x.shape()) + " and weight " + Shape.str(w.shape()) + " must both be rank 4 (NCHW, OIHW)");
        Backend be = x.backend();
        Tensor out = be.conv2d(x, w, bias == null ? null : bias.tensor(), spec);
        if (!Graph.needsGrad(input, weight, bias)) return Var.constant(out);
        int[] xs = x.shape(), ws = w.shape();
        boolean gx = Graph.wants(input), gw = Graph.wants(weight), gb = Graph.wants(bias);
        BackwardFn fn = g -> new Tensor[]{
                gx ? be.conv2dBackwardInput(g, w, xs, spec) : null,
                gw ? be.conv2dBackwardWeight(g, x, ws, spec) : null,
                gb ? be.reduce(ReduceOp.SUM, g, new int[]{0, 2, 3}, false) : null};
        return Var.fromOp("conv2d", out, fn, input, weight, bias);
    }

    static Var upsampleNearest(Var input, int factorH, int factorW) {
        Tensor x = input.tensor();
        Backend be = x.backend();
        Tensor out = be.upsampleNearest(x, factorH, factorW);
        if (!Graph.needsGrad(input)) return Var.constant(out);
        return Var.fromOp("upsample_nearest", out, g -> new Tensor[]{be.upsampleNearestBackward(g, factorH, factorW)}, input);
    }

    static Var avgPool2d(Var input, Pool2dSpec spec) {
        Tensor x = input.tensor();
        Backend be = x.backend();
        Tensor out = be.avgPool2d(x, spec);
        if (!Graph.needsGrad(input)) return Var.constant(out);
        int[] xs = x.shape();
        return Var.fromOp("avg_pool2d", out, g -> new Tensor[]{be.avgPool2dBackward(g, xs, spec)}, input);
    }

    static Var maxPool2d(Var input, Pool2dSpec spec) {
        Tensor x = input.tensor();
        Backend be = x.backend();
        PoolResult r = be.maxPool2d(x, spec);
        if (!Graph.needsGrad(input)) return Var.constant(r.output());
        int[] xs = x.shape();
        Tensor idx = r.indices();
        return Var.fromOp("max_pool2d", r.output(), g -> new Tensor[]{be.maxPool2dBackward(g, idx, xs, spec)}, input);
    }
}
