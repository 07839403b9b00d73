package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.TestTensors;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.optim.AdamW;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LoraTest {
    /** attn1 (diffusers names) + a conv, as in a transformer block of a UNet. */
    static final class Block extends Module {
        final MultiHeadAttention attn1 = registerModule("attn1", new MultiHeadAttention(8, 8, 2, 4, false, MultiHeadAttention.Naming.DIFFUSERS));
        final Conv2d conv = registerModule("conv", new Conv2d(2, 2, 3, 1, 1));
        final Linear other = registerModule("ff", new Linear(8, 8));

        Var forward(Var seq, Var img) {
            Var a = F.sum(other.forward(attn1.forward(seq)));
            return F.add(a, F.sum(conv.forward(img)));
        }
    }

    @Test
    void attachTrainSaveLoadMerge() {
        Generator.manualSeed(11);
        Block b = new Block();
        b.to(DType.F64);
        Random r = new Random(2);
        Var seq = Var.constant(TestTensors.randF64(r, -1, 1, 2, 3, 8)), img = Var.constant(TestTensors.randF64(r, -1, 1, 1, 2, 5, 5));
        double before = b.forward(seq, img).item();

        List<String> chosen = Lora.attach(b, "attn1\\.(to_q|to_v)$|^conv$", 2, 4.0, new Generator(3));
        assertEquals(List.of("attn1.to_q", "attn1.to_v", "conv"), chosen);
        // only the adapters train; their names follow PEFT
        List<String> trainable = b.namedParameters().entrySet().stream().filter(e -> e.getValue().requiresGrad()).map(java.util.Map.Entry::getKey).toList();
        assertEquals(List.of("attn1.to_q.lora_A.weight", "attn1.to_q.lora_B.weight", "attn1.to_v.lora_A.weight", "attn1.to_v.lora_B.weight",
                "conv.lora_A.weight", "conv.lora_B.weight"), trainable);
        assertArrayEquals(new int[]{2, 2, 3, 3}, b.stateDict().get("conv.lora_A.weight").shape());
        assertArrayEquals(new int[]{2, 2, 1, 1}, b.stateDict().get("conv.lora_B.weight").shape());
        // B = 0: the adapted model starts as the base model (same dtype and backend as the base weights)
        assertEquals(before, b.forward(seq, img).item(), 0);

        AdamW opt = new AdamW(b.trainableParameters(), 0.05);
        for (int i = 0; i < 5; i++) {
            opt.zeroGrad();
            b.forward(seq, img).backward(); // maximise nothing in particular: any change will do
            opt.step();
        }
        double tuned = b.forward(seq, img).item();
        assertNotEquals(before, tuned);
        assertNull(b.namedParameters().get("ff.weight").grad(), "frozen base weights get no gradient");

        LinkedHashMap<String, Tensor> lora = Lora.stateDict(b);
        assertEquals(6, lora.size());

        // a fresh copy of the base + loaded adapters reproduces the tuned output
        Generator.manualSeed(11);
        Block c = new Block();
        c.to(DType.F64);
        Lora.attach(c, "attn1\\.(to_q|to_v)$|^conv$", 2, 4.0, new Generator(99));
        assertThrows(IllegalArgumentException.class, () -> Lora.load(c, b.stateDict()));
        Lora.load(c, lora);
        assertEquals(tuned, c.forward(seq, img).item(), 1e-12);

        // merging folds B A * alpha/r into the base weights: same output, no adapter left
        assertEquals(3, Lora.merge(c));
        assertTrue(Lora.stateDict(c).isEmpty());
        try (NoGrad ng = NoGrad.enter()) {
            // double precision; merge changes only the summation order: 1e-10 on O(10) sums
            assertEquals(tuned, c.forward(seq, img).item(), 1e-10);
        }
        assertThrows(IllegalArgumentException.class, () -> Lora.attach(c, "nothing_matches", 2, 2, new Generator(1)));
    }
}
