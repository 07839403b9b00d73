package dev.unitune.autograd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.SafetensorsFile;
import dev.unitune.weights.WeightSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Forward outputs and gradients of attention, group norm, layer norm and conv2d against PyTorch
 * (golden/ops.safetensors): out = op(inputs), grad_name = d(sum(out * grad_output))/d(name). Geometry
 * (groups, eps, stride, padding) is read from the file's config; each output is compared with the file's
 * recommended absolute tolerance (10x the observed float32-vs-float64 error of the reference run).
 */
class GoldenBackwardTest {
    private static WeightSource file;
    private static JsonNode config, tolerance;

    @BeforeAll
    static void open() throws Exception {
        file = SafetensorsFile.open(Path.of(GoldenBackwardTest.class.getResource("/golden/ops.safetensors").toURI()));
        ObjectMapper json = new ObjectMapper();
        config = json.readTree(file.metadata().get("config"));
        tolerance = json.readTree(file.metadata().get("recommended_tolerance"));
    }

    @AfterAll
    static void close() { file.close(); }

    private static Tensor in(String name) { return file.load(name, TestTensors.cpu()); }

    private static Var leaf(String name) { return Var.leaf(in(name)); }

    /** Backward with the file's upstream gradient, then compares out and every grad_<name> listed. */
    private static void check(String tag, Var out, Map<String, Var> leaves) {
        out.backward(in("input." + tag + ".grad_output"));
        compare("output." + tag + ".out", out.tensor());
        leaves.forEach((name, v) -> compare("output." + tag + ".grad_" + name, v.grad()));
    }

    private static void compare(String key, Tensor actual) {
        assertNotNull(actual, key + ": no gradient computed");
        double atol = tolerance.get(key).asDouble();
        double err = TestTensors.maxAbsDiff(actual, in(key));
        System.out.printf("GOLDEN %s max abs err %.2e (atol %.0e)%n", key, err, atol);
        assertTrue(err <= atol, key + ": max abs error " + err + " > atol " + atol);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sdpa", "sdpa_causal", "sdpa_self_causal"})
    void attention(String tag) {
        Map<String, Var> v = new LinkedHashMap<>();
        for (String n : new String[]{"q", "k", "v"}) v.put(n, leaf("input." + tag + "." + n));
        boolean causal = tag.contains("causal");
        check(tag, F.attention(v.get("q"), v.get("k"), v.get("v"), null, causal), v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"group_norm"})
    void groupNorm(String tag) {
        JsonNode c = config.get(tag);
        Map<String, Var> v = new LinkedHashMap<>();
        v.put("x", leaf("input." + tag + ".x"));
        v.put("weight", leaf("weights." + tag + ".weight"));
        v.put("bias", leaf("weights." + tag + ".bias"));
        check(tag, F.groupNorm(v.get("x"), c.get("num_groups").asInt(), v.get("weight"), v.get("bias"), c.get("eps").asDouble()), v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"layer_norm"})
    void layerNorm(String tag) {
        JsonNode c = config.get(tag);
        Map<String, Var> v = new LinkedHashMap<>();
        v.put("x", leaf("input." + tag + ".x"));
        v.put("weight", leaf("weights." + tag + ".weight"));
        v.put("bias", leaf("weights." + tag + ".bias"));
        check(tag, F.layerNorm(v.get("x"), c.get("normalized_shape").size(), v.get("weight"), v.get("bias"), c.get("eps").asDouble()), v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv2d_s1", "conv2d_s2"})
    void conv2d(String tag) {
        JsonNode c = config.get(tag);
        Map<String, Var> v = new LinkedHashMap<>();
        v.put("x", leaf("input." + tag + ".x"));
        v.put("weight", leaf("weights." + tag + ".weight"));
        v.put("bias", leaf("weights." + tag + ".bias"));
        Conv2dSpec spec = Conv2dSpec.of(c.get("stride").asInt(), c.get("padding").asInt());
        check(tag, F.conv2d(v.get("x"), v.get("weight"), v.get("bias"), spec), v);
    }
}
