package dev.unitune.autograd;

import dev.unitune.autograd.nn.Losses;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.autograd.optim.Adafactor;
import dev.unitune.autograd.optim.AdamW;
import dev.unitune.autograd.optim.Ema;
import dev.unitune.autograd.optim.Optimizer;
import dev.unitune.autograd.optim.Sgd;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training under device-style memory (storages freed only by scopes or explicitly; {@link TrackingBackend}):
 * with one MemoryScope per step and optimizer/EMA state kept out of it, the number of live storages and
 * bytes must be exactly the same after every step, and the losses must equal the CPU run's bit for bit
 * (same kernels underneath), which also proves nothing was used after being freed.
 */
class DeviceMemoryTest {
    static final int STEPS = 20;

    private static List<Double> run(boolean device, Function<SmallCnn, Optimizer> make, long[] liveAfterStep, long[] bytesAfterStep) {
        Generator.manualSeed(31);
        SmallCnn model = new SmallCnn();
        TrackingBackend dev = device ? new TrackingBackend() : null;
        if (device) model.to(dev);
        Optimizer opt = make.apply(model);
        Ema ema = new Ema(model, 0.9);
        ShapesDataset.Batch cpuBatch = ShapesDataset.batch(5, 8);
        Tensor images = device ? cpuBatch.images().to(dev) : cpuBatch.images();
        Tensor labels = device ? cpuBatch.labels().to(dev) : cpuBatch.labels();
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.zeroGrad();
                Var loss = Losses.crossEntropy(model.forward(Var.constant(images)), labels);
                loss.backward();
                opt.step();
                ema.update();
                opt.keepState(scope);
                ema.keepState(scope);
                losses.add(loss.item());
            }
            if (device) {
                liveAfterStep[step] = dev.liveStorages();
                bytesAfterStep[step] = dev.allocatedBytes();
            }
        }
        return losses;
    }

    @Test
    void perStepScopesKeepDeviceMemoryFlat() {
        for (Function<SmallCnn, Optimizer> make : List.<Function<SmallCnn, Optimizer>>of(
                m -> new AdamW(m.trainableParameters(), 0.01),
                m -> new Adafactor(m.trainableParameters(), 0.01),
                m -> new Sgd(m.trainableParameters(), 0.05, 0.9, 0, 1e-4, false))) {
            long[] live = new long[STEPS], bytes = new long[STEPS];
            List<Double> onDevice = run(true, make, live, bytes);
            List<Double> onCpu = run(false, make, null, null);
            String name = make.apply(new SmallCnn()).getClass().getSimpleName();
            assertEquals(onCpu, onDevice, name + ": device-style run must match the CPU run exactly");
            // step 0 creates the optimizer state; from step 1 on every step replaces exactly what it frees
            for (int s = 2; s < STEPS; s++) {
                assertEquals(live[1], live[s], name + ": live storages after step " + s);
                assertEquals(bytes[1], bytes[s], name + ": live bytes after step " + s);
            }
            System.out.printf("DEVICE %s: %d live storages, %.1f KB after each step%n", name, live[STEPS - 1], bytes[STEPS - 1] / 1024.0);
        }
    }

    /**
     * During backward each node's temporaries and its used-up upstream gradient are freed at once, so live
     * device memory stays at what the forward pass saved plus a few gradients, however long the graph.
     */
    @Test
    void backwardFreesTemporariesAndUsedGradientsNodeByNode() {
        TrackingBackend dev = new TrackingBackend();
        int n = 50;
        try (MemoryScope scope = MemoryScope.open()) {
            Var x = Var.leaf(TestTensors.randF32(new java.util.Random(1), -1, 1, 256).to(dev));
            Var y = x;
            for (int i = 0; i < n; i++) y = F.gelu(F.mul(y, 1.01)); // GELU's backward makes ~8 temporaries
            Var loss = F.sum(y);
            long afterForward = dev.liveStorages();
            long[] peak = {afterForward};
            Engine.setProbe(node -> peak[0] = Math.max(peak[0], dev.liveStorages()));
            try {
                loss.backward();
            } finally {
                Engine.setProbe(null);
            }
            System.out.printf("DEVICE chain of %d ops: %d live storages after forward, peak %d during backward%n", 2 * n, afterForward, peak[0]);
            // the root's seed gradient, one pending gradient and the leaf gradient; without per-node freeing
            // the peak would grow by ~10 storages per op (over 500 here)
            assertTrue(peak[0] - afterForward <= 4, "backward peak " + peak[0] + " vs " + afterForward + " after forward");
            assertNotNull(x.grad());
            scope.keep(x.grad());
        }
    }

    /** A checkpointed stack under a scope: everything it recomputes is freed with the step. */
    @Test
    void checkpointedBackwardFreesItsRecomputation() {
        TrackingBackend dev = new TrackingBackend();
        Generator.manualSeed(4);
        ModuleList<ResBlock> blocks = new ModuleList<>();
        for (int i = 0; i < 3; i++) blocks.add(new ResBlock(4, 2, 0.2));
        blocks.to(dev);
        Tensor x = TestTensors.randF32(new java.util.Random(2), -1, 1, 2, 4, 6, 6).to(dev);
        long before = dev.liveStorages();
        for (int step = 0; step < 3; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                blocks.zeroGrad();
                Var h = Var.constant(x);
                for (ResBlock b : blocks) h = Checkpoint.run(in -> b.forward(in[0]), h);
                F.sum(F.square(h)).backward();
                assertNotNull(blocks.get(0).conv1.weight().grad());
            }
            assertEquals(before, dev.liveStorages(), "step " + step + " left storages behind");
        }
        assertThrows(IllegalStateException.class, () -> blocks.get(0).conv1.weight().grad().toFloatArray(),
                "gradients made inside the scope are freed with it (keep them to use them after)");
    }
}
