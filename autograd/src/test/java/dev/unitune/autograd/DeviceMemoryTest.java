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
