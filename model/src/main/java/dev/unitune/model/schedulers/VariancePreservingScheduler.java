package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/** What DDPM and DDIM share: integer timesteps, x_t = sqrt(acp) x0 + sqrt(1 - acp) noise, x0 prediction. */
abstract class VariancePreservingScheduler implements Scheduler {
    protected final SchedulerConfig config;

    VariancePreservingScheduler(SchedulerConfig config) { this.config = config; }

    @Override
    public SchedulerConfig config() { return config; }

    @Override
    public double[] timesteps(int n) {
        return config.timestepSpacing().timesteps(config.schedule().numTrainTimesteps(), n, config.stepsOffset(), true);
    }

    /** The previous timestep as diffusers computes it for both: t - T / n (integer division), may be negative. */
    protected int previousTimestep(int t, int n) { return t - config.schedule().numTrainTimesteps() / n; }

    protected int timestepAt(int n, int i) {
        double[] ts = timesteps(n);
        if (i < 0 || i >= ts.length) throw new IllegalArgumentException("step index " + i + " outside [0, " + (n - 1) + "]");
        return (int) ts[i];
    }

    /** The clean sample the model output implies at a timestep with cumulative alpha acp. */
    protected Tensor predictOriginal(Tensor modelOutput, Tensor sample, double acp) {
        double a = Math.sqrt(acp), b = Math.sqrt(1 - acp);
        return switch (config.predictionType()) {
            case EPSILON -> TensorMath.axpby(1 / a, sample, -b / a, modelOutput);   // (x - b eps) / a
            case SAMPLE -> modelOutput;
            case V_PREDICTION -> TensorMath.axpby(a, sample, -b, modelOutput);      // a x - b v
        };
    }

    /** The noise the model output implies (given the possibly clipped x0 only for the SAMPLE type). */
    protected Tensor predictEpsilon(Tensor modelOutput, Tensor sample, Tensor predOriginal, double acp) {
        double a = Math.sqrt(acp), b = Math.sqrt(1 - acp);
        return switch (config.predictionType()) {
            case EPSILON -> modelOutput;
            case SAMPLE -> TensorMath.axpby(1 / b, sample, -a / b, predOriginal);   // (x - a x0) / b
            case V_PREDICTION -> TensorMath.axpby(a, modelOutput, b, sample);       // a v + b x
        };
    }

    protected Tensor clipIfConfigured(Tensor x0) {
        return config.clipSample() ? TensorMath.clamp(x0, config.clipSampleRange()) : x0;
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double[] timesteps) {
        double[] a = new double[timesteps.length], b = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            double acp = config.schedule().alphaCumprod(integerTimestep(timesteps[i]));
            a[i] = Math.sqrt(acp);
            b[i] = Math.sqrt(1 - acp);
        }
        return TensorMath.axpbyPerBatch(a, original, b, noise);
    }

    static int integerTimestep(double t) {
        if (t != Math.rint(t)) throw new IllegalArgumentException("timestep " + t + " is not an integer");
        return (int) t;
    }
}
