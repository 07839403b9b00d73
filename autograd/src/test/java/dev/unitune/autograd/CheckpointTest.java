package dev.unitune.autograd;

import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.autograd.nn.Parameter;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    /** Loss and all gradients of a stack of ResNet blocks with dropout, plain or one checkpoint per block. */
    private static Map<String, Tensor> gradients(boolean checkpointed, Tensor input) {
        Generator.manualSeed(21);
        ModuleList<ResBlock> blocks = new ModuleList<>();
        for (int i = 0; i < 4; i++) blocks.add(new ResBlock(4, 2, 0.3));
        blocks.to(DType.F64);
        Generator.manualSeed(500); // the dropout masks of this pass
        Var x = Var.leaf(input);
        Var h = x;
        for (ResBlock b : blocks) h = checkpointed ? Checkpoint.run(in -> b.forward(in[0]), h) : b.forward(h);
        Var loss = F.sum(F.square(h));
        Generator.manualSeed(777); // reseeding between forward and backward must not change the replayed masks
        loss.backward();
        Map<String, Tensor> g = new LinkedHashMap<>();
        g.put("loss", loss.tensor());
        g.put("input", x.grad());
        for (Map.Entry<String, Parameter> e : blocks.namedParameters().entrySet()) g.put(e.getKey(), e.getValue().grad());
        return g;
    }

    @Test
    void checkpointedAndPlainBackwardGiveIdenticalGradients() {
        Tensor input = TestTensors.randF64(new Random(8), -1, 1, 2, 4, 6, 6);
        Map<String, Tensor> plain = gradients(false, input), ckpt = gradients(true, input);
        assertEquals(plain.keySet(), ckpt.keySet());
        for (String k : plain.keySet()) {
            assertNotNull(ckpt.get(k), k);
            // the recomputation replays the same ops on the same values (dropout masks included): bitwise equal
            assertEquals(0.0, TestTensors.maxAbsDiff(plain.get(k), ckpt.get(k)), k);
        }
    }

    @Test
    void checkpointUnderNoGradIsAPlainCall() {
        ResBlock b = new ResBlock(4, 2, 0);
        try (NoGrad ng = NoGrad.enter()) {
            Var y = Checkpoint.run(in -> b.forward(in[0]), Var.constant(TestTensors.cpu().fill(DType.F32, 1, 1, 4, 3, 3)));
            assertNull(y.node());
        }
    }

    @Test
    void checkpointFeedsParametersEvenWhenTheInputIsConstant() {
        ResBlock b = new ResBlock(4, 2, 0);
        Var y = Checkpoint.run(in -> b.forward(in[0]), Var.constant(TestTensors.randF32(new Random(1), -1, 1, 1, 4, 3, 3)));
        F.sum(y).backward();
        assertNotNull(b.conv1.weight().grad());
    }
}
