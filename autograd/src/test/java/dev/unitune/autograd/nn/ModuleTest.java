package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.TestTensors;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModuleTest {
    /** A miniature of diffusers' nesting: down_blocks.{i}.resnets.{j}.{norm1,conv1} + attention. */
    static final class Resnet extends Module {
        final GroupNorm norm1 = registerModule("norm1", new GroupNorm(2, 4, 1e-5));
        final Conv2d conv1 = registerModule("conv1", new Conv2d(4, 4, 3, 1, 1));

        @Override
        public Var forward(Var x) { return F.add(x, conv1.forward(F.silu(norm1.forward(x)))); }
    }

    static final class Block extends Module {
        final ModuleList<Resnet> resnets = registerModule("resnets", new ModuleList<>());

        Block() {
            resnets.add(new Resnet());
            resnets.add(new Resnet());
        }
    }

    static final class Net extends Module {
        final ModuleList<Block> downBlocks = registerModule("down_blocks", new ModuleList<>());
        final Tensor positionIds = registerBuffer("position_ids", TestTensors.i64(new long[]{0, 1, 2}, 3));

        Net() { downBlocks.add(new Block()); }
    }

    @Test
    void namesAreDottedLikePyTorch() {
        Net net = new Net();
        List<String> names = List.copyOf(net.namedParameters().keySet());
        assertEquals(List.of(
                "down_blocks.0.resnets.0.norm1.weight", "down_blocks.0.resnets.0.norm1.bias",
                "down_blocks.0.resnets.0.conv1.weight", "down_blocks.0.resnets.0.conv1.bias",
                "down_blocks.0.resnets.1.norm1.weight", "down_blocks.0.resnets.1.norm1.bias",
                "down_blocks.0.resnets.1.conv1.weight", "down_blocks.0.resnets.1.conv1.bias"), names);
        assertTrue(net.namedModules().containsKey("down_blocks.0.resnets.1.conv1"));
        assertTrue(net.stateDict().containsKey("position_ids"));
        assertSame(net.downBlocks.get(0).resnets.get(1).conv1, net.module("down_blocks.0.resnets.1.conv1"));
        assertEquals(2 * (4 + 4 + 4 * 4 * 9 + 4), net.parameterCount());
    }

    @Test
    void stateDictRoundTripsAndLoadConvertsDtype() {
        Net a = new Net(), b = new Net();
        LinkedHashMap<String, Tensor> sd = a.stateDict();
        Map<String, Tensor> f64 = new LinkedHashMap<>();
        sd.forEach((k, t) -> f64.put(k, t.dtype().isFloating() ? t.to(DType.F64) : t));
        Module.LoadResult r = b.loadStateDict(f64, true);
        assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty());
        b.stateDict().forEach((k, t) -> {
            if (t.dtype().isFloating()) assertEquals(DType.F32, t.dtype(), k);
            assertEquals(0, TestTensors.maxAbsDiff(t.to(DType.F64), sd.get(k).to(DType.F64)), k);
        });
    }

    @Test
    void loadErrorsNameMissingUnexpectedAndWrongShapes() {
        Net net = new Net();
        LinkedHashMap<String, Tensor> sd = net.stateDict();
        sd.remove("down_blocks.0.resnets.1.conv1.bias");
        sd.put("down_blocks.0.resnets.9.conv1.bias", TestTensors.f32(new float[4], 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd, true));
        assertTrue(e.getMessage().contains("missing 1 key(s): down_blocks.0.resnets.1.conv1.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected 1 key(s): down_blocks.0.resnets.9.conv1.bias"), e.getMessage());
        Module.LoadResult lenient = net.loadStateDict(sd, false);
        assertEquals(List.of("down_blocks.0.resnets.1.conv1.bias"), lenient.missing());

        LinkedHashMap<String, Tensor> bad = net.stateDict();
        Tensor before = net.namedParameters().get("down_blocks.0.resnets.0.norm1.bias").tensor();
        bad.put("down_blocks.0.resnets.0.conv1.weight", TestTensors.f32(new float[4 * 4 * 9 * 2], 4, 8, 3, 3));
        bad.put("down_blocks.0.resnets.0.norm1.bias", TestTensors.f32(new float[]{9, 9, 9, 9}, 4));
        e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(bad, false));
        assertTrue(e.getMessage().contains("wrong shape 1 key(s): down_blocks.0.resnets.0.conv1.weight (model [4, 4, 3, 3], given [4, 8, 3, 3])"), e.getMessage());
        assertSame(before, net.namedParameters().get("down_blocks.0.resnets.0.norm1.bias").tensor(), "a failed load must change nothing");
    }

    @Test
    void trainEvalFreezeAndDtype() {
        Net net = new Net();
        net.eval();
        for (Module m : net.namedModules().values()) assertFalse(m.isTraining());
        net.train(true);
        assertTrue(net.downBlocks.get(0).resnets.get(0).isTraining());
        net.requiresGrad(false);
        assertTrue(net.trainableParameters().isEmpty());
        net.downBlocks.get(0).resnets.get(0).conv1.requiresGrad(true);
        assertEquals(2, net.trainableParameters().size());
        net.to(DType.F64);
        assertEquals(DType.F64, net.namedParameters().get("down_blocks.0.resnets.0.conv1.weight").dtype());
        assertEquals(DType.I64, net.namedBuffers().get("position_ids").dtype());
        net.to(TestTensors.cpu());
        assertThrows(IllegalArgumentException.class, () -> net.to(DType.I32));
    }

    @Test
    void registrationRejectsBadNames() {
        class Bad extends Module {
            Bad() {
                registerParameter("w", Init.zeros(1));
                assertThrows(IllegalArgumentException.class, () -> registerParameter("w", Init.zeros(1)));
                assertThrows(IllegalArgumentException.class, () -> registerModule("a.b", new Dropout(0.1)));
            }
        }
        new Bad();
    }

    @Test
    void initIsPyTorchDefaultAndReproducible() {
        Generator.manualSeed(5);
        Linear a = new Linear(64, 32);
        Generator.manualSeed(5);
        Linear b = new Linear(64, 32);
        assertEquals(0, TestTensors.maxAbsDiff(a.weight().tensor(), b.weight().tensor()));
        double bound = 1 / Math.sqrt(64);
        float[] w = a.weight().tensor().toFloatArray();
        double mean = 0, sq = 0, max = 0;
        for (float v : w) { mean += v; sq += v * v; max = Math.max(max, Math.abs(v)); }
        mean /= w.length;
        sq /= w.length;
        assertTrue(max <= bound, "kaiming-uniform(a=sqrt 5) bound 1/sqrt(fan_in)");
        // U(-b, b) has variance b^2/3; 2048 samples give a standard error of the variance of about 2% of it
        assertEquals(bound * bound / 3, sq, 0.1 * bound * bound / 3);
        assertEquals(0, mean, 4 * bound / Math.sqrt(3 * w.length));
        for (float v : a.bias().tensor().toFloatArray()) assertTrue(Math.abs(v) <= bound);
        Conv2d conv = new Conv2d(3, 8, 3, 1, 1);
        double cb = 1 / Math.sqrt(3 * 9);
        for (float v : conv.weight().tensor().toFloatArray()) assertTrue(Math.abs(v) <= cb);
        GroupNorm gn = new GroupNorm(2, 4, 1e-5);
        assertArrayEquals(new float[]{1, 1, 1, 1}, gn.stateDict().get("weight").toFloatArray());
        Embedding emb = new Embedding(100, 40);
        float[] e = emb.weight().tensor().toFloatArray();
        double es = 0;
        for (float v : e) es += v * v;
        assertEquals(1.0, es / e.length, 0.1); // N(0,1): 4000 samples, variance within 10%
        try (InitContext c = InitContext.open(TestTensors.cpu(), DType.F64, new Generator(1), false)) {
            Linear z = new Linear(3, 2);
            assertEquals(DType.F64, z.weight().dtype());
            assertArrayEquals(new double[6], z.weight().tensor().toDoubleArray());
        }
    }
}
