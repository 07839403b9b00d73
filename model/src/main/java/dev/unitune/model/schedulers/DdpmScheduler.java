package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/**
 * DDPM ancestral sampling (Ho et al. 2020), as diffusers' DDPMScheduler with the fixed variance types SD
 * uses (fixed_small, the default; fixed_small_log; fixed_large). acp(prev) is 1 when the
 * previous timestep is negative.
 */
public final class DdpmScheduler extends VariancePreservingScheduler {
    public DdpmScheduler(SchedulerConfig config) {
        super(config);
        String v = config.varianceType();
        if (!v.equals("fixed_small") && !v.equals("fixed_small_log") && !v.equals("fixed_large"))
            throw new IllegalArgumentException("DDPM variance_type '" + v + "' is not supported (learned variances need a"
                    + " model that predicts them; use fixed_small, fixed_small_log or fixed_large)");
    }

    private double alphaCumprodOrOne(int t) { return t >= 0 ? config.schedule().alphaCumprod(t) : 1.0; }

    /**
     * The variance of step t -> prev: for fixed_small (1-acp_prev)/(1-acp_t) * beta_t clamped to 1e-20,
     * for fixed_large beta_t = 1 - acp_t/acp_prev. fixed_small_log gives the same value (diffusers takes
     * exp(0.5 log v) of it).
     */
    public double variance(int t, int prev) {
        double at = alphaCumprodOrOne(t), ap = alphaCumprodOrOne(prev);
        double currentBeta = 1 - at / ap;
        if (config.varianceType().equals("fixed_large")) return currentBeta;
        return Math.max((1 - ap) / (1 - at) * currentBeta, 1e-20);
    }

    /** The variance of step i of an n-step schedule. */
    public double varianceAt(int n, int i) {
        int t = timestepAt(n, i);
        return variance(t, previousTimestep(t, n));
    }

    @Override
    public boolean needsNoise(int n, int i, double eta) { return timestepAt(n, i) > 0; }

    /** The posterior mean (before noise) and x0 prediction of step i. */
    public StepOutput mean(Tensor modelOutput, int n, int i, Tensor sample) {
        int t = timestepAt(n, i), prev = previousTimestep(t, n);
        double at = alphaCumprodOrOne(t), ap = alphaCumprodOrOne(prev);
        double currentAlpha = at / ap, currentBeta = 1 - currentAlpha;
        Tensor x0 = clipIfConfigured(predictOriginal(modelOutput, sample, at));
        double x0Coeff = Math.sqrt(ap) * currentBeta / (1 - at);
        double sampleCoeff = Math.sqrt(currentAlpha) * (1 - ap) / (1 - at);
        return new StepOutput(TensorMath.axpby(x0Coeff, x0, sampleCoeff, sample), x0);
    }

    /** eta is ignored: DDPM always samples the posterior. */
    @Override
    public StepOutput step(Tensor modelOutput, int n, int i, Tensor sample, double eta, Tensor noise) {
        StepOutput m = mean(modelOutput, n, i, sample);
        if (!needsNoise(n, i, eta)) return m;
        if (noise == null) throw new IllegalArgumentException("DDPM step at timestep " + timestepAt(n, i) + " needs a noise tensor");
        return new StepOutput(TensorMath.add(m.prevSample(), TensorMath.scale(noise, Math.sqrt(varianceAt(n, i)))), m.predOriginalSample());
    }
}
