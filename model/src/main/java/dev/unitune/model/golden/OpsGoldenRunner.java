package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The "attention" ops file: standalone op cases through the autograd F ops and backward. Every tag with
 * an output.&lt;tag&gt;.out is one case; its leaves are input.&lt;tag&gt;.* (except grad_output) and
 * weights.&lt;tag&gt;.*; output.&lt;tag&gt;.grad_&lt;leaf&gt; = d(sum(out * grad_output))/d leaf. The op is
 * chosen by the tag (sdpa*, group_norm*, layer_norm*, conv2d*), its settings come from the config.
 */
public final class OpsGoldenRunner implements GoldenRunner {
    @Override
    public Set<String> kinds() { return Set.of("attention"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (String name : golden.namesUnder("output.")) {
            if (!name.endsWith(".out")) continue;
            String tag = name.substring(0, name.length() - 4);
            Map<String, Var> leaves = new LinkedHashMap<>();
            for (String in : golden.namesUnder("input." + tag + "."))
                if (!in.equals("grad_output") && !in.contains(".")) leaves.put(in, Var.leaf(golden.tensor("input." + tag + "." + in, backend)));
            for (String w : golden.namesUnder("weights." + tag + "."))
                if (!w.contains(".")) leaves.put(w, Var.leaf(golden.tensor("weights." + tag + "." + w, backend)));
            Var out = apply(tag, golden.config().path(tag), leaves);
            result.put(tag + ".out", out.tensor());
            String gradOut = "input." + tag + ".grad_output";
            if (golden.has(gradOut)) {
                F.sum(F.mul(out, Var.constant(golden.tensor(gradOut, backend)))).backward();
                leaves.forEach((leaf, v) -> {
                    if (v.grad() != null) result.put(tag + ".grad_" + leaf, v.grad());
                });
            }
        }
        return result;
    }

    private static Var apply(String tag, JsonNode cfg, Map<String, Var> in) {
        if (tag.startsWith("sdpa")) {
            // The config states the mask; a tag that says causal without a config entry is causal too.
            boolean causal = cfg.hasNonNull("mask") || (cfg.isMissingNode() && tag.contains("causal"));
            Var q = need(in, "q", tag);
            double scale = cfg.path("scale").isNumber() ? cfg.get("scale").asDouble() : 1 / Math.sqrt(q.dim(-1));
            return F.attention(q, need(in, "k", tag), need(in, "v", tag), null, scale, causal);
        }
        if (tag.startsWith("group_norm")) {
            if (!cfg.path("num_groups").isInt()) throw new IllegalArgumentException("ops config for " + tag + " has no num_groups");
            return F.groupNorm(need(in, "x", tag), cfg.get("num_groups").asInt(), in.get("weight"), in.get("bias"), cfg.path("eps").asDouble(1e-5));
        }
        if (tag.startsWith("layer_norm")) {
            int dims = cfg.path("normalized_shape").isArray() ? cfg.get("normalized_shape").size() : 1;
            return F.layerNorm(need(in, "x", tag), dims, in.get("weight"), in.get("bias"), cfg.path("eps").asDouble(1e-5));
        }
        if (tag.startsWith("conv2d")) {
            Conv2dSpec spec = Conv2dSpec.of(cfg.path("stride").asInt(1), cfg.path("padding").asInt(0), cfg.path("dilation").asInt(1), cfg.path("groups").asInt(1));
            return F.conv2d(need(in, "x", tag), need(in, "weight", tag), in.get("bias"), spec);
        }
        throw new IllegalArgumentException("ops golden file: unknown op tag '" + tag + "' (known: sdpa*, group_norm*, layer_norm*, conv2d*)");
    }

    private static Var need(Map<String, Var> in, String name, String tag) {
        Var v = in.get(name);
        if (v == null) throw new IllegalArgumentException("ops golden file: case " + tag + " has no input '" + name + "'");
        return v;
    }
}
