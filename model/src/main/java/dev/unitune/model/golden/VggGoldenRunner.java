package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.model.vgg.VggConfig;
import dev.unitune.model.vgg.VggFeatures;
import dev.unitune.model.vgg.VggLoader;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * vgg16_features / vgg19_features golden files: the feature stack from the config's cfg (channel counts
 * as stored, e.g. divided by width_divisor), fed input.image_normalized; outputs are taps (relu3_3),
 * Gram matrices (gram.relu3_3) and grad_image_normalized = d/d(image) of the sum over every
 * input.grad_output_&lt;output with '.' as '_'&gt; of sum(output * grad_output).
 */
public final class VggGoldenRunner implements GoldenRunner {
    @Override
    public Set<String> kinds() { return Set.of("vgg16_features", "vgg19_features"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        JsonNode cfgJson = golden.config();
        VggConfig config = cfgJson.has("cfg") ? VggConfig.fromJson(cfgJson)
                : golden.kind().startsWith("vgg19") ? VggConfig.vgg19() : VggConfig.vgg16();
        JsonNode declaredTaps = cfgJson.path("taps");
        declaredTaps.fields().forEachRemaining(e -> {
            Integer mine = config.taps().get(e.getKey());
            if (mine == null || mine != e.getValue().asInt())
                throw new IllegalStateException("config tap " + e.getKey() + " = features." + e.getValue().asInt() + " but the cfg puts it at " + mine);
        });
        Set<String> taps = new LinkedHashSet<>();
        for (String o : golden.namesUnder("output.")) {
            String t = o.startsWith("gram.") ? o.substring(5) : o;
            if (config.taps().containsKey(t)) taps.add(t);
        }
        VggFeatures vgg = VggLoader.uninitialised(config, taps, backend);
        VggLoader.loadInto(vgg, n -> golden.has("weights." + n), n -> golden.tensor("weights." + n, backend), golden.path().toString());

        Var image = Var.leaf(golden.tensor("input.image_normalized", backend));
        Map<String, Var> acts = vgg.forward(image, taps);
        Map<String, Var> outputs = new LinkedHashMap<>();
        for (String o : golden.namesUnder("output.")) {
            if (acts.containsKey(o)) outputs.put(o, acts.get(o));
            else if (o.startsWith("gram.") && acts.containsKey(o.substring(5))) outputs.put(o, VggFeatures.gram(acts.get(o.substring(5))));
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        outputs.forEach((k, v) -> result.put(k, v.tensor()));

        if (golden.has("output.grad_image_normalized")) {
            List<Var> terms = new ArrayList<>();
            for (Map.Entry<String, Var> e : outputs.entrySet()) {
                String in = "input.grad_output_" + e.getKey().replace('.', '_');
                if (golden.has(in)) terms.add(F.sum(F.mul(e.getValue(), Var.constant(golden.tensor(in, backend)))));
            }
            if (!terms.isEmpty()) {
                Var loss = terms.get(0);
                for (int i = 1; i < terms.size(); i++) loss = F.add(loss, terms.get(i));
                loss.backward();
                result.put("grad_image_normalized", image.grad());
            }
        }
        return result;
    }
}
