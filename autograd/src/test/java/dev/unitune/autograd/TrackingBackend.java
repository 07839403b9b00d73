package dev.unitune.autograd;

import dev.unitune.tensor.AttentionGrads;
import dev.unitune.tensor.AttentionResult;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.NormGrads;
import dev.unitune.tensor.NormResult;
import dev.unitune.tensor.Pool2dSpec;
import dev.unitune.tensor.PoolResult;
import dev.unitune.tensor.ReduceOp;
import dev.unitune.tensor.Storage;
import dev.unitune.tensor.Tensor;
import dev.unitune.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for a GPU backend in tests: computes with the CPU backend, but its storages behave like device
 * memory: every new storage registers with the current {@link MemoryScope}, is freed only explicitly (scope
 * close or Tensor.close), counts toward {@link #allocatedBytes()}, and any use after free throws. It lets the
 * CPU-only test suite check that autograd's engine and optimizers work under deterministic freeing.
 */
public final class TrackingBackend implements Backend {
    private final Backend cpu = Backends.cpu();
    private final AtomicLong liveBytes = new AtomicLong(), liveStorages = new AtomicLong();

    private final class DeviceStorage extends Storage {
        private Storage inner;

        DeviceStorage(Storage inner) {
            super(TrackingBackend.this, inner.dtype(), inner.length());
            this.inner = inner;
            liveBytes.addAndGet(byteSize());
            liveStorages.incrementAndGet();
            MemoryScope.register(this);
        }

        @Override
        protected void release() {
            inner = null;
            liveBytes.addAndGet(-byteSize());
            liveStorages.decrementAndGet();
        }
    }

    public long liveStorages() { return liveStorages.get(); }

    @Override public long allocatedBytes() { return liveBytes.get(); }
    @Override public String name() { return "tracking"; }
    @Override public String description() { return "CPU compute with device-style deterministic freeing (tests)"; }

    /** The same view over the CPU storage underneath (throws on a freed or foreign tensor). */
    private Tensor in(Tensor t) {
        if (t == null) return null;
        if (t.backend() != this) throw new IllegalArgumentException("tensor on backend " + t.backend().name() + " given to tracking backend");
        t.storage().checkLive();
        return new Tensor(((DeviceStorage) t.storage()).inner, t.shape(), t.strides(), t.offset());
    }

    private Tensor out(Tensor cpuResult) {
        if (cpuResult == null) return null;
        return new Tensor(new DeviceStorage(cpuResult.storage()), cpuResult.shape(), cpuResult.strides(), cpuResult.offset());
    }

    private List<Tensor> in(List<Tensor> ts) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor t : ts) r.add(in(t));
        return r;
    }

    @Override public Tensor empty(DType dtype, int... shape) { return out(cpu.empty(dtype, shape)); }
    @Override public Tensor fromHost(Object array, DType dtype, int... shape) { return out(cpu.fromHost(array, dtype, shape)); }
    @Override public Object toHost(Tensor t) { return cpu.toHost(in(t)); }
    @Override public Tensor fill(DType dtype, double value, int... shape) { return out(cpu.fill(dtype, value, shape)); }
    @Override public Tensor arange(DType dtype, double start, double step, int n) { return out(cpu.arange(dtype, start, step, n)); }
    @Override public Tensor copy(Tensor x) { return out(cpu.copy(in(x))); }
    @Override public Tensor cast(Tensor x, DType dtype) { return out(cpu.cast(in(x), dtype)); }
    @Override public Tensor unary(UnaryOp op, Tensor x) { return out(cpu.unary(op, in(x))); }
    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return out(cpu.binary(op, in(a), in(b))); }
    @Override public Tensor binaryScalar(BinaryOp op, Tensor x, double s) { return out(cpu.binaryScalar(op, in(x), s)); }
    @Override public Tensor where(Tensor c, Tensor a, Tensor b) { return out(cpu.where(in(c), in(a), in(b))); }
    @Override public Tensor clamp(Tensor x, double lo, double hi) { return out(cpu.clamp(in(x), lo, hi)); }
    @Override public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keep) { return out(cpu.reduce(op, in(x), axes, keep)); }
    @Override public Tensor argmax(Tensor x, int axis, boolean keep) { return out(cpu.argmax(in(x), axis, keep)); }
    @Override public Tensor variance(Tensor x, int[] axes, int corr, boolean keep) { return out(cpu.variance(in(x), axes, corr, keep)); }
    @Override public Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) { return out(cpu.matmul(in(a), in(b), ta, tb)); }
    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dSpec s) { return out(cpu.conv2d(in(x), in(w), in(b), s)); }
    @Override public Tensor conv2dBackwardInput(Tensor g, Tensor w, int[] shape, Conv2dSpec s) { return out(cpu.conv2dBackwardInput(in(g), in(w), shape, s)); }
    @Override public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int[] shape, Conv2dSpec s) { return out(cpu.conv2dBackwardWeight(in(g), in(x), shape, s)); }
    @Override public Tensor softmax(Tensor x, int axis) { return out(cpu.softmax(in(x), axis)); }
    @Override public Tensor logSoftmax(Tensor x, int axis) { return out(cpu.logSoftmax(in(x), axis)); }
    @Override public Tensor softmaxBackward(Tensor y, Tensor g, int axis) { return out(cpu.softmaxBackward(in(y), in(g), axis)); }
    @Override public Tensor logSoftmaxBackward(Tensor y, Tensor g, int axis) { return out(cpu.logSoftmaxBackward(in(y), in(g), axis)); }

    @Override public NormResult groupNorm(Tensor x, Tensor w, Tensor b, int groups, double eps) {
        NormResult r = cpu.groupNorm(in(x), in(w), in(b), groups, eps);
        return new NormResult(out(r.output()), out(r.mean()), out(r.rstd()));
    }

    @Override public NormGrads groupNormBackward(Tensor g, Tensor x, Tensor mean, Tensor rstd, Tensor w, int groups) {
        NormGrads r = cpu.groupNormBackward(in(g), in(x), in(mean), in(rstd), in(w), groups);
        return new NormGrads(out(r.gradInput()), out(r.gradWeight()), out(r.gradBias()));
    }

    @Override public NormResult layerNorm(Tensor x, int dims, Tensor w, Tensor b, double eps) {
        NormResult r = cpu.layerNorm(in(x), dims, in(w), in(b), eps);
        return new NormResult(out(r.output()), out(r.mean()), out(r.rstd()));
    }

    @Override public NormGrads layerNormBackward(Tensor g, Tensor x, Tensor mean, Tensor rstd, Tensor w, int dims) {
        NormGrads r = cpu.layerNormBackward(in(g), in(x), in(mean), in(rstd), in(w), dims);
        return new NormGrads(out(r.gradInput()), out(r.gradWeight()), out(r.gradBias()));
    }

    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, boolean causal) {
        AttentionResult r = cpu.attention(in(q), in(k), in(v), in(mask), scale, causal);
        return new AttentionResult(out(r.output()), out(r.logSumExp()));
    }

    @Override public AttentionGrads attentionBackward(Tensor g, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor mask, double scale, boolean causal) {
        AttentionGrads r = cpu.attentionBackward(in(g), in(q), in(k), in(v), in(o), in(lse), in(mask), scale, causal);
        return new AttentionGrads(out(r.gradQ()), out(r.gradK()), out(r.gradV()));
    }

    @Override public Tensor upsampleNearest(Tensor x, int fh, int fw) { return out(cpu.upsampleNearest(in(x), fh, fw)); }
    @Override public Tensor upsampleNearestBackward(Tensor g, int fh, int fw) { return out(cpu.upsampleNearestBackward(in(g), fh, fw)); }
    @Override public Tensor avgPool2d(Tensor x, Pool2dSpec s) { return out(cpu.avgPool2d(in(x), s)); }
    @Override public Tensor avgPool2dBackward(Tensor g, int[] shape, Pool2dSpec s) { return out(cpu.avgPool2dBackward(in(g), shape, s)); }

    @Override public PoolResult maxPool2d(Tensor x, Pool2dSpec s) {
        PoolResult r = cpu.maxPool2d(in(x), s);
        return new PoolResult(out(r.output()), out(r.indices()));
    }

    @Override public Tensor maxPool2dBackward(Tensor g, Tensor idx, int[] shape, Pool2dSpec s) { return out(cpu.maxPool2dBackward(in(g), in(idx), shape, s)); }
    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) { return out(cpu.indexSelect(in(x), axis, in(index))); }
    @Override public Tensor indexAdd(Tensor t, int axis, Tensor index, Tensor src) { return out(cpu.indexAdd(in(t), axis, in(index), in(src))); }
    @Override public Tensor gather(Tensor x, int axis, Tensor index) { return out(cpu.gather(in(x), axis, in(index))); }
    @Override public Tensor scatterAdd(Tensor t, int axis, Tensor index, Tensor src) { return out(cpu.scatterAdd(in(t), axis, in(index), in(src))); }
    @Override public Tensor concat(List<Tensor> parts, int axis) { return out(cpu.concat(in(parts), axis)); }
    @Override public Tensor pad(Tensor x, int[] pads, double value) { return out(cpu.pad(in(x), pads, value)); }
    @Override public Tensor uniform(DType dt, long seed, long off, double lo, double hi, int... shape) { return out(cpu.uniform(dt, seed, off, lo, hi, shape)); }
    @Override public Tensor normal(DType dt, long seed, long off, double mean, double std, int... shape) { return out(cpu.normal(dt, seed, off, mean, std, shape)); }
}
