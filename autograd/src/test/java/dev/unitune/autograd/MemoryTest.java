package dev.unitune.autograd;

import dev.unitune.autograd.nn.Losses;
import dev.unitune.autograd.optim.AdamW;
import dev.unitune.tensor.Storage;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A 1,000-step training loop must not grow memory. The CPU backend frees by GC, so what we assert is what
 * would make memory grow: (1) after backward every node of the step's graph is released, so a caller that
 * keeps the loss Var (a common logging habit) does not keep the activations alive; checked by weak
 * references to an activation's storage, which must be collectable once the step is over; (2) the heap
 * retained after a full GC does not grow between step 200 and step 1000 beyond a small bound, while a leak
 * of one step's activations (about 45 KB per step for 4 images of 8x8: the conv, norm, activation and pooling outputs) would add more than 35 MB.
 */
class MemoryTest {
    @Test
    void thousandStepsDoNotRetainGraphsOrActivations() {
        Generator.manualSeed(3);
        SmallCnn model = new SmallCnn();
        AdamW opt = new AdamW(model.trainableParameters(), 1e-3);
        ShapesDataset.Batch batch = ShapesDataset.batch(1, 4);
        Var images = Var.constant(batch.images().narrow(2, 0, 8).narrow(3, 0, 8).contiguous()); // small: the test is about retention, not speed
        List<Var> keptLosses = new ArrayList<>(); // held on purpose: the graph behind them must still be freed
        List<WeakReference<Storage>> activations = new ArrayList<>();
        long heapAt200 = 0;
        for (int step = 0; step < 1000; step++) {
            opt.zeroGrad();
            Var logits = model.forward(images);
            if (step % 100 == 50) activations.add(new WeakReference<>(logits.tensor().storage()));
            Var loss = Losses.crossEntropy(logits, batch.labels());
            loss.backward();
            opt.step();
            assertTrue(loss.node().isReleased(), "graph released after backward");
            keptLosses.add(loss);
            if (step == 199) heapAt200 = retainedHeap();
        }
        long heapAt1000 = retainedHeap();
        // the kept loss Vars themselves are tiny (a Var, a released Node and a 1-element tensor, < 1 KB each)
        long growth = heapAt1000 - heapAt200;
        System.out.printf("MEMORY: retained heap after GC at step 200: %.1f MB, at step 1000: %.1f MB (growth %.2f MB over 800 steps)%n",
                heapAt200 / 1e6, heapAt1000 / 1e6, growth / 1e6);
        assertTrue(growth < 8_000_000, "retained heap grew by " + growth + " bytes over 800 steps");
        // logits of step k are referenced by nothing once step k's backward released its graph
        int alive = 0;
        for (WeakReference<Storage> w : activations) if (w.get() != null) alive++;
        assertEquals(0, alive, "activation storages still reachable after their step");
        assertEquals(1000, keptLosses.size());
    }

    private static long retainedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
