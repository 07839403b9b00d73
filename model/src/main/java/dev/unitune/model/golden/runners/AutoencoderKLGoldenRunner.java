package dev.unitune.model.golden.runners;

import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.Var;
import dev.unitune.model.golden.GoldenCase;
import dev.unitune.model.golden.GoldenRunner;
import dev.unitune.model.vae.AutoencoderKL;
import dev.unitune.model.vae.LatentDistribution;
import dev.unitune.model.vae.VaeConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Golden kind {@code autoencoder_kl}: the posterior of input.image (mean, clamped logvar, std, and a sample with
 * input.noise), the decode of the mean latent and of input.latent_random (no scaling factor in either), and the
 * encoder/decoder intermediate outputs (debug.*: encoder ones from the encode, decoder ones from decode(mean)).
 */
public final class AutoencoderKLGoldenRunner implements GoldenRunner {
    @Override
    public Set<String> kinds() { return Set.of("autoencoder_kl"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        VaeConfig config = VaeConfig.fromJson(golden.config());
        AutoencoderKL vae = RunnerSupport.build(backend, () -> new AutoencoderKL(config));
        RunnerSupport.loadStrict(vae, golden, backend);
        vae.eval();

        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGrad ng = NoGrad.enter()) {
            Var image = Var.constant(golden.tensor("input.image", backend));
            LatentDistribution posterior = vae.encode(image, (name, v) -> RunnerSupport.put(out, golden, "debug." + name, v.tensor()));
            RunnerSupport.put(out, golden, "latent_mean", posterior.mean().tensor());
            RunnerSupport.put(out, golden, "latent_logvar", posterior.logvar().tensor());
            RunnerSupport.put(out, golden, "latent_std", posterior.std().tensor());
            if (golden.has("input.noise"))
                RunnerSupport.put(out, golden, "latent_sample", posterior.sample(golden.tensor("input.noise", backend)).tensor());
            Var decoded = vae.decode(posterior.mean(), (name, v) -> RunnerSupport.put(out, golden, "debug." + name, v.tensor()));
            RunnerSupport.put(out, golden, "decoded_mean", decoded.tensor());
            if (golden.has("input.latent_random"))
                RunnerSupport.put(out, golden, "decoded_random",
                        vae.decode(Var.constant(golden.tensor("input.latent_random", backend))).tensor());
        }
        return out;
    }
}
