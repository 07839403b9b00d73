package dev.unitune.model.golden.runners;

import dev.unitune.autograd.F;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Parameter;
import dev.unitune.model.golden.GoldenCase;
import dev.unitune.model.golden.GoldenRunner;
import dev.unitune.model.unet.UNet2DConditionModel;
import dev.unitune.model.unet.UNetConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Golden kind {@code unet2d_condition}: output.sample (and debug.* from the same run), output.sample_t2 for the
 * second timestep set, and the fine-tuning backward: loss = mean((sample - target)^2), dloss/dparameter for
 * every output.grad.weights.NAME the file lists, and dloss/d(encoder_hidden_states).
 */
public final class UNet2DConditionGoldenRunner implements GoldenRunner {
    @Override
    public Set<String> kinds() { return Set.of("unet2d_condition"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        UNetConfig config = UNetConfig.fromJson(golden.config());
        UNet2DConditionModel unet = RunnerSupport.build(backend, () -> new UNet2DConditionModel(config));
        RunnerSupport.loadStrict(unet, golden, backend);
        unet.eval();

        Map<String, Tensor> out = new LinkedHashMap<>();
        Var sample = Var.constant(golden.tensor("input.sample", backend));
        Var context = Var.leaf(golden.tensor("input.encoder_hidden_states", backend));
        Tensor timesteps = golden.tensor("input.timesteps", backend);

        Var pred = unet.forward(sample, timesteps, context, (name, v) -> RunnerSupport.put(out, golden, "debug." + name, v.tensor()));
        out.put("sample", pred.tensor());

        if (golden.has("input.target")) {
            Var target = Var.constant(golden.tensor("input.target", backend));
            Var loss = F.mean(F.square(F.sub(pred, target)));
            RunnerSupport.put(out, golden, "loss", loss.tensor().reshape(1));
            loss.backward();
            Map<String, Parameter> params = unet.namedParameters();
            for (String name : golden.namesUnder("output.grad.weights.")) {
                Parameter p = params.get(name);
                if (p != null && p.grad() != null) out.put("grad.weights." + name, p.grad());
            }
            if (context.grad() != null) RunnerSupport.put(out, golden, "grad.input.encoder_hidden_states", context.grad());
        }

        if (golden.has("input.timesteps_t2")) {
            try (NoGrad ng = NoGrad.enter()) {
                Var pred2 = unet.forward(sample, golden.tensor("input.timesteps_t2", backend), Var.constant(context.tensor()));
                RunnerSupport.put(out, golden, "sample_t2", pred2.tensor());
            }
        }
        return out;
    }
}
