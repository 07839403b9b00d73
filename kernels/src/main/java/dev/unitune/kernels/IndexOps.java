package dev.unitune.kernels;

import dev.unitune.kernels.device.ViewArg;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Shape;
import dev.unitune.tensor.Tensor;

import java.util.List;

/** indexSelect (index.cu), concat and pad (copies into sub-views of the output). */
final class IndexOps {
    private final DeviceBackend b;

    IndexOps(DeviceBackend b) { this.b = b; }

    Tensor indexSelect(Tensor x, int axis, Tensor index) {
        b.buf(x);
        b.buf(index);
        int a = Shape.axis(axis, x.rank());
        if (index.rank() != 1 || (index.dtype() != DType.I32 && index.dtype() != DType.I64))
            throw new IllegalArgumentException("indexSelect: index must be a 1-D i32/i64 tensor, got " + index);
        int len = x.dim(a);
        long[] idx = longs(index);
        for (int i = 0; i < idx.length; i++)
            if (idx[i] < 0 || idx[i] >= len)
                throw new IndexOutOfBoundsException("indexSelect: index " + idx[i] + " at position " + i + " out of range [0, " + len + ") for axis " + a + " of " + Shape.str(x.shape()));
        int[] outShape = x.shape();
        outShape[a] = idx.length;
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= x.dim(d);
        for (int d = a + 1; d < x.rank(); d++) inner *= x.dim(d);
        Tensor out = b.alloc(x.dtype(), outShape);
        b.launch1d("index", "index_select", out.numel(), ViewArg.of(x), b.buf(x), DeviceBackend.dt(x.dtype()), b.buf(index),
                DeviceBackend.dt(index.dtype()), ViewArg.of(index), outer, idx.length, inner, len, b.buf(out));
        return out;
    }

    private long[] longs(Tensor index) {
        Object h = b.toHost(index);
        if (h instanceof long[] l) return l;
        int[] i = (int[]) h;
        long[] l = new long[i.length];
        for (int k = 0; k < i.length; k++) l[k] = i[k];
        return l;
    }

    Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of no tensors");
        Tensor first = parts.get(0);
        int a = Shape.axis(axis, first.rank());
        int total = 0;
        for (Tensor p : parts) {
            b.buf(p);
            if (p.rank() != first.rank() || p.dtype() != first.dtype())
                throw new IllegalArgumentException("concat: " + p + " does not match " + first);
            for (int d = 0; d < p.rank(); d++)
                if (d != a && p.dim(d) != first.dim(d))
                    throw new IllegalArgumentException("concat along axis " + a + ": shapes " + Shape.str(first.shape()) + " and " + Shape.str(p.shape()) + " differ in dim " + d);
            total += p.dim(a);
        }
        int[] shape = first.shape();
        shape[a] = total;
        Tensor out = b.alloc(first.dtype(), shape);
        int at = 0;
        for (Tensor p : parts) {
            b.copyInto(p, out.narrow(a, at, p.dim(a)));
            at += p.dim(a);
        }
        return out;
    }

    Tensor pad(Tensor x, int[] pads, double value) {
        b.buf(x);
        if (pads.length % 2 != 0 || pads.length / 2 > x.rank())
            throw new IllegalArgumentException("pad: " + pads.length + " pad values for a rank-" + x.rank() + " tensor");
        for (int p : pads) if (p < 0) return HostFallback.toDevice(b, Backends.cpu().pad(HostFallback.toCpu(x), pads, value));
        int[] shape = x.shape();
        int[] start = new int[shape.length];
        for (int i = 0; i < pads.length / 2; i++) {
            int d = shape.length - 1 - i;
            start[d] = pads[2 * i];
            shape[d] += pads[2 * i] + pads[2 * i + 1];
        }
        Tensor out = b.fill(x.dtype(), value, shape);
        Tensor region = out;
        for (int d = 0; d < shape.length; d++) region = region.narrow(d, start[d], x.dim(d));
        b.copyInto(x, region);
        return out;
    }
}
