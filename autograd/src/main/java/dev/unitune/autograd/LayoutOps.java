package dev.unitune.autograd;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static dev.unitune.autograd.Grads.sumTo;

/**
 * Shape and layout ops. Forward results are views where the tensor layer allows (no copy); their
 * gradients are the inverse layout change of the upstream gradient.
 */
final class LayoutOps {
    private LayoutOps() {}

    static Var reshape(Var a, int... shape) {
        Tensor out = a.tensor().reshape(shape);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = a.shape();
        return Var.fromOp("reshape", out, g -> new Tensor[]{g.reshape(xs)}, a);
    }

    static Var permute(Var a, int... axes) {
        Tensor out = a.tensor().permute(axes);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] inverse = new int[axes.length];
        for (int i = 0; i < axes.length; i++) inverse[Shape.axis(axes[i], axes.length)] = i;
        return Var.fromOp("permute", out, g -> new Tensor[]{g.permute(inverse)}, a);
    }

    static Var transpose(Var a, int d0, int d1) {
        Tensor out = a.tensor().transpose(d0, d1);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        return Var.fromOp("transpose", out, g -> new Tensor[]{g.transpose(d0, d1)}, a);
    }

    static Var expand(Var a, int... shape) {
        Tensor out = a.tensor().expand(shape);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = a.shape();
        return Var.fromOp("expand", out, g -> new Tensor[]{sumTo(g, xs)}, a);
    }

    static Var squeeze(Var a, int axis) {
        Tensor out = a.tensor().squeeze(axis);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = a.shape();
        return Var.fromOp("squeeze", out, g -> new Tensor[]{g.reshape(xs)}, a);
    }

    static Var unsqueeze(Var a, int axis) {
        Tensor out = a.tensor().unsqueeze(axis);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = a.shape();
        return Var.fromOp("unsqueeze", out, g -> new Tensor[]{g.reshape(xs)}, a);
    }

    static Var contiguous(Var a) {
        Tensor out = a.tensor().contiguous();
        if (out == a.tensor() || !Graph.needsGrad(a)) return out == a.tensor() ? a : Var.constant(out);
        return Var.fromOp("contiguous", out, g -> new Tensor[]{g}, a);
    }

    /** Elements [start, start+length) along an axis; the gradient is the upstream one zero-padded back. */
    static Var narrow(Var a, int axis, int start, int length) {
        Tensor x = a.tensor();
        int ax = Shape.axis(axis, x.rank());
        Tensor out = x.narrow(ax, start, length);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int rank = x.rank(), full = x.dim(ax);
        int[] pads = new int[2 * rank];
        pads[2 * (rank - 1 - ax)] = start;
        pads[2 * (rank - 1 - ax) + 1] = full - start - length;
        Backend be = x.backend();
        return Var.fromOp("narrow", out, g -> new Tensor[]{be.pad(g, pads, 0)}, a);
    }

    static List<Var> split(Var a, int[] sizes, int axis) {
        int ax = Shape.axis(axis, a.rank());
        int total = 0;
        for (int s : sizes) total += s;
        if (total != a.dim(ax))
            throw new IllegalArgumentException("split sizes " + Shape.str(sizes) + " do not add up to dim " + ax + " of " + Shape.str(a.shape()));
        List<Var> parts = new ArrayList<>();
        int start = 0;
        for (int s : sizes) {
            parts.add(narrow(a, ax, start, s));
            start += s;
        }
        return parts;
    }

    /** n nearly equal parts (the last may be smaller), as torch.chunk. */
    static List<Var> chunk(Var a, int n, int axis) {
        int ax = Shape.axis(axis, a.rank());
        int d = a.dim(ax), size = (d + n - 1) / n;
        List<Integer> sizes = new ArrayList<>();
        for (int start = 0; start < d; start += size) sizes.add(Math.min(size, d - start));
        return split(a, sizes.stream().mapToInt(Integer::intValue).toArray(), ax);
    }

    static Var concat(List<Var> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of no tensors");
        List<Tensor> ts = new ArrayList<>();
        for (Var p : parts) ts.add(p.tensor());
        Tensor first = ts.get(0);
        int ax = Shape.axis(axis, first.rank());
        Tensor out = first.backend().concat(ts, ax);
        Var[] inputs = parts.toArray(new Var[0]);
        if (!Graph.needsGrad(inputs)) return Var.constant(out);
        int[] sizes = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) sizes[i] = inputs[i].dim(ax);
        BackwardFn fn = g -> {
            Tensor[] r = new Tensor[sizes.length];
            int start = 0;
            for (int i = 0; i < sizes.length; i++) {
                if (inputs[i].requiresGrad()) r[i] = g.narrow(ax, start, sizes[i]);
                start += sizes[i];
            }
            return r;
        };
        return Var.fromOp("concat", out, fn, inputs);
    }

    /** Constant padding (pads from the LAST dim, as torch.nn.functional.pad); non-negative pads only. */
    static Var pad(Var a, int[] pads, double value) {
        Tensor x = a.tensor();
        if (pads.length % 2 != 0 || pads.length / 2 > x.rank())
            throw new IllegalArgumentException("pad: " + pads.length + " pad values for a rank-" + x.rank() + " tensor (need pairs, at most 2 x rank)");
        for (int p : pads)
            if (p < 0) throw new IllegalArgumentException("pad: negative padding " + Shape.str(pads) + " is not supported; use narrow()");
        Tensor out = x.backend().pad(x, pads, value);
        if (!Graph.needsGrad(a)) return Var.constant(out);
        int[] xs = x.shape();
        BackwardFn fn = g -> {
            Tensor r = g;
            for (int i = 0; i < pads.length / 2; i++) {
                int ax = xs.length - 1 - i;
                r = r.narrow(ax, pads[2 * i], xs[ax]);
            }
            return new Tensor[]{r};
        };
        return Var.fromOp("pad", out, fn, a);
    }
}
