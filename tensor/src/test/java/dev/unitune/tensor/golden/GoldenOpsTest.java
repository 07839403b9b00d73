package dev.unitune.tensor.golden;

import dev.unitune.tensor.*;
import dev.unitune.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CPU backend against PyTorch's float32 results in golden/ops.safetensors (attention, group norm,
 * layer norm, conv2d stride 1 and 2; forward and the autograd gradients). Each output must be within the
 * file's recommended atol, which is about 10x the measured float32-vs-float64 error of PyTorch itself on
 * these cases (metadata fp64_check), so it allows our float32 rounding as much as PyTorch's.
 */
class GoldenOpsTest {
    private static SafetensorsTestReader file;
    private static java.util.Map<String, Double> atol;
    private final CpuBackend cpu = CpuBackend.instance();

    @BeforeAll
    static void load() throws IOException {
        file = SafetensorsTestReader.fromResource("/golden/ops.safetensors");
        atol = new java.util.LinkedHashMap<>();
        String rec = file.metadata.get("recommended_tolerance");
        for (String part : rec.replaceAll("[{}\\s\"]", "").split(",")) {
            String[] kv = part.split(":");
            atol.put(kv[0], Double.parseDouble(kv[1]));
        }
    }

    private Tensor input(String name, DType dt) {
        SafetensorsTestReader.Entry e = file.get(name);
        return cpu.fromHost(e.values().clone(), DType.F64, e.shape()).to(dt);
    }

    private void expectClose(String name, Tensor actual) {
        SafetensorsTestReader.Entry e = file.get(name);
        assertArrayEquals(e.shape(), actual.shape(), name + " shape");
        double tol = atol.get(name);
        double[] a = actual.toDoubleArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - e.values()[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, name + ": max |diff| " + worst + " at " + at + " > recommended atol " + tol);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sdpa", "sdpa_causal", "sdpa_self_causal"})
    void attention(String tag) {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor q = input("input." + tag + ".q", dt), k = input("input." + tag + ".k", dt), v = input("input." + tag + ".v", dt);
            double scale = 1 / Math.sqrt(q.dim(-1));
            boolean causal = !tag.equals("sdpa");
            AttentionResult r = cpu.attention(q, k, v, null, scale, causal);
            expectClose("output." + tag + ".out", r.output());
            AttentionGrads g = cpu.attentionBackward(input("input." + tag + ".grad_output", dt), q, k, v, r.output(), r.logSumExp(), null, scale, causal);
            expectClose("output." + tag + ".grad_q", g.gradQ());
            expectClose("output." + tag + ".grad_k", g.gradK());
            expectClose("output." + tag + ".grad_v", g.gradV());
        }
    }

    @Test
    void groupNorm() {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor x = input("input.group_norm.x", dt), w = input("weights.group_norm.weight", dt), b = input("weights.group_norm.bias", dt);
            NormResult r = cpu.groupNorm(x, w, b, 32, 1e-5);
            expectClose("output.group_norm.out", r.output());
            NormGrads g = cpu.groupNormBackward(input("input.group_norm.grad_output", dt), x, r.mean(), r.rstd(), w, 32);
            expectClose("output.group_norm.grad_x", g.gradInput());
            expectClose("output.group_norm.grad_weight", g.gradWeight());
            expectClose("output.group_norm.grad_bias", g.gradBias());
        }
    }

    @Test
    void layerNorm() {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor x = input("input.layer_norm.x", dt), w = input("weights.layer_norm.weight", dt), b = input("weights.layer_norm.bias", dt);
            NormResult r = cpu.layerNorm(x, 1, w, b, 1e-5);
            expectClose("output.layer_norm.out", r.output());
            NormGrads g = cpu.layerNormBackward(input("input.layer_norm.grad_output", dt), x, r.mean(), r.rstd(), w, 1);
            expectClose("output.layer_norm.grad_x", g.gradInput());
            expectClose("output.layer_norm.grad_weight", g.gradWeight());
            expectClose("output.layer_norm.grad_bias", g.gradBias());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void conv2d(int stride) {
        String tag = "conv2d_s" + stride;
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor x = input("input." + tag + ".x", dt), w = input("weights." + tag + ".weight", dt), b = input("weights." + tag + ".bias", dt);
            Conv2dSpec s = Conv2dSpec.of(stride, 1);
            expectClose("output." + tag + ".out", cpu.conv2d(x, w, b, s));
            Tensor gy = input("input." + tag + ".grad_output", dt);
            expectClose("output." + tag + ".grad_x", cpu.conv2dBackwardInput(gy, w, x.shape(), s));
            expectClose("output." + tag + ".grad_weight", cpu.conv2dBackwardWeight(gy, x, w.shape(), s));
            expectClose("output." + tag + ".grad_bias", cpu.reduce(ReduceOp.SUM, gy, new int[]{0, 2, 3}, false));
        }
    }
}
