package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/**
 * DDIM (Song et al. 2021), as diffusers' DDIMScheduler: eta = 0 is the deterministic sampler, eta = 1
 * has DDPM's posterior variance. The step from t to t - T/n uses acp(prev) = final_alpha_cumprod when
 * that is negative: 1 with set_alpha_to_one, else acp(0) (SD configs).
 */
public final class DdimScheduler extends VariancePreservingScheduler {
    public DdimScheduler(SchedulerConfig config) { super(config); }

    private double alphaCumprodOrFinal(int t) {
        if (t >= 0) return config.schedule().alphaCumprod(t);
        return config.setAlphaToOne() ? 1.0 : config.schedule().alphaCumprod(0);
    }

    /** (1 - acp_prev)/(1 - acp_t) * (1 - acp_t/acp_prev): the DDPM posterior variance between the two. */
    public double variance(int t, int prev) {
        double at = alphaCumprodOrFinal(t), ap = alphaCumprodOrFinal(prev);
        return (1 - ap) / (1 - at) * (1 - at / ap);
    }

    @Override
    public boolean needsNoise(int n, int i, double eta) { return eta > 0; }

    @Override
    public StepOutput step(Tensor modelOutput, int n, int i, Tensor sample, double eta, Tensor noise) {
        int t = timestepAt(n, i), prev = previousTimestep(t, n);
        double at = alphaCumprodOrFinal(t), ap = alphaCumprodOrFinal(prev);
        Tensor x0Raw = predictOriginal(modelOutput, sample, at);
        Tensor eps = predictEpsilon(modelOutput, sample, x0Raw, at); // from the unclipped x0, as the reference
        Tensor x0 = clipIfConfigured(x0Raw);
        double std = eta * Math.sqrt(variance(t, prev));
        // x_prev = sqrt(acp_prev) x0 + sqrt(1 - acp_prev - std^2) eps (+ std * noise)
        Tensor prevSample = TensorMath.axpby(Math.sqrt(ap), x0, Math.sqrt(Math.max(0, 1 - ap - std * std)), eps);
        if (eta > 0) {
            if (noise == null) throw new IllegalArgumentException("DDIM step with eta " + eta + " needs a noise tensor");
            prevSample = TensorMath.add(prevSample, TensorMath.scale(noise, std));
        }
        return new StepOutput(prevSample, x0);
    }
}
