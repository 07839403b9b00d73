package dev.unitune.kernels;

import dev.unitune.tensor.*;
import dev.unitune.weights.SafetensorsFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shared golden op cases (PyTorch float32 forward + autograd gradients, golden/ops.safetensors) on
 * a device backend, within each output's recommended tolerance from the file's metadata (10x the
 * observed float32-vs-float64 error of the reference run). Gradients are of sum(out * grad_output).
 */
abstract class GoldenOpsContract {
    DeviceBackend cl;
    SafetensorsFile golden;
    Map<String, Double> atol;

    abstract DeviceBackend device();

    @BeforeEach
    void open() throws URISyntaxException {
        cl = device();
        golden = SafetensorsFile.open(Path.of(GoldenOpsContract.class.getResource("/golden/ops.safetensors").toURI()));
        atol = parseTolerances(golden.metadata().get("recommended_tolerance"));
    }

    @AfterEach
    void close() { if (golden != null) golden.close(); }

    /** The metadata's flat JSON object of name -> number. */
    static Map<String, Double> parseTolerances(String json) {
        Map<String, Double> m = new java.util.HashMap<>();
        for (String part : json.replaceAll("[{}\\s]", "").split(",")) {
            String[] kv = part.split(":");
            m.put(kv[0].replace("\"", ""), Double.parseDouble(kv[1]));
        }
        return m;
    }

    Tensor in(String name) { return golden.load(name, cl); }

    void check(String name, Tensor actual) {
        Tensor expected = golden.load(name, Backends.cpu());
        assertArrayEquals(expected.shape(), actual.shape(), name + ": shape");
        double tol = atol.get(name);
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++)
            if (!(Math.abs(a[i] - e[i]) <= tol)) fail(name + "[" + i + "]: " + cl.name() + " " + a[i] + " vs golden " + e[i] + " (atol " + tol + ")");
    }

    @Test
    void attentionPlainAndCausal() {
        for (String tag : new String[] {"sdpa", "sdpa_causal", "sdpa_self_causal"}) {
            String p = "input." + tag + ".";
            Tensor q = in(p + "q"), k = in(p + "k"), v = in(p + "v"), gy = in(p + "grad_output");
            boolean causal = !tag.equals("sdpa");
            double scale = 1 / Math.sqrt(q.dim(-1));
            AttentionResult r = cl.attention(q, k, v, null, scale, causal);
            check("output." + tag + ".out", r.output());
            AttentionGrads g = cl.attentionBackward(gy, q, k, v, r.output(), r.logSumExp(), null, scale, causal);
            check("output." + tag + ".grad_q", g.gradQ());
            check("output." + tag + ".grad_k", g.gradK());
            check("output." + tag + ".grad_v", g.gradV());
        }
    }

    @Test
    void groupNorm() {
        Tensor x = in("input.group_norm.x"), w = in("weights.group_norm.weight"), b = in("weights.group_norm.bias");
        NormResult r = cl.groupNorm(x, w, b, 32, 1e-5);
        check("output.group_norm.out", r.output());
        NormGrads g = cl.groupNormBackward(in("input.group_norm.grad_output"), x, r.mean(), r.rstd(), w, 32);
        check("output.group_norm.grad_x", g.gradInput());
        check("output.group_norm.grad_weight", g.gradWeight());
        check("output.group_norm.grad_bias", g.gradBias());
    }

    @Test
    void layerNorm() {
        Tensor x = in("input.layer_norm.x"), w = in("weights.layer_norm.weight"), b = in("weights.layer_norm.bias");
        NormResult r = cl.layerNorm(x, 1, w, b, 1e-5);
        check("output.layer_norm.out", r.output());
        NormGrads g = cl.layerNormBackward(in("input.layer_norm.grad_output"), x, r.mean(), r.rstd(), w, 1);
        check("output.layer_norm.grad_x", g.gradInput());
        check("output.layer_norm.grad_weight", g.gradWeight());
        check("output.layer_norm.grad_bias", g.gradBias());
    }

    @Test
    void conv2dStride1And2() {
        for (int stride : new int[] {1, 2}) {
            String tag = "conv2d_s" + stride;
            Tensor x = in("input." + tag + ".x"), w = in("weights." + tag + ".weight"), b = in("weights." + tag + ".bias");
            Conv2dSpec spec = Conv2dSpec.of(stride, 1);
            check("output." + tag + ".out", cl.conv2d(x, w, b, spec));
            Tensor gy = in("input." + tag + ".grad_output");
            check("output." + tag + ".grad_x", cl.conv2dBackwardInput(gy, w, x.shape(), spec));
            check("output." + tag + ".grad_weight", cl.conv2dBackwardWeight(gy, x, w.shape(), spec));
            check("output." + tag + ".grad_bias", cl.reduce(ReduceOp.SUM, gy, new int[] {0, 2, 3}, false));
        }
        assertTrue(atol.size() >= 28, "tolerances for every golden output");
    }
}
