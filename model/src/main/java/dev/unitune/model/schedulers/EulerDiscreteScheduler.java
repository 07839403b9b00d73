package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/**
 * Euler's method on the probability-flow ODE in the sigma parameterisation (Karras et al. 2022), as
 * diffusers' EulerDiscreteScheduler with s_churn = 0 (deterministic) and linear sigma interpolation:
 * sigma(t) = sqrt((1 - acp) / acp) interpolated linearly at fractional t; x_prev = x + (x - x0)/sigma *
 * (sigma_next - sigma); the last sigma is 0. The model sees x / sqrt(sigma^2 + 1).
 */
public final class EulerDiscreteScheduler implements Scheduler {
    private final SchedulerConfig config;

    public EulerDiscreteScheduler(SchedulerConfig config) { this.config = config; }

    @Override
    public SchedulerConfig config() { return config; }

    @Override
    public double[] timesteps(int n) {
        return config.timestepSpacing().timesteps(config.schedule().numTrainTimesteps(), n, config.stepsOffset(), false);
    }

    /** sigma at a (possibly fractional) training timestep, by linear interpolation like numpy.interp. */
    public double sigmaAt(double t) {
        int last = config.schedule().numTrainTimesteps() - 1;
        if (t <= 0) return config.schedule().sigma(0);
        if (t >= last) return config.schedule().sigma(last);
        int lo = (int) Math.floor(t);
        double frac = t - lo, a = config.schedule().sigma(lo);
        return frac == 0 ? a : a + (config.schedule().sigma(lo + 1) - a) * frac;
    }

    /** n + 1 sigmas: one per inference timestep, then 0. */
    public double[] sigmas(int n) {
        double[] ts = timesteps(n), s = new double[n + 1];
        for (int i = 0; i < n; i++) s[i] = sigmaAt(ts[i]);
        return s;
    }

    @Override
    public double initNoiseSigma(int n) {
        double max = 0;
        for (double s : sigmas(n)) max = Math.max(max, s);
        return config.timestepSpacing() == TimestepSpacing.LEADING ? Math.sqrt(max * max + 1) : max;
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, int n, int i) {
        double sigma = sigmas(n)[checkIndex(n, i)];
        return TensorMath.scale(sample, 1 / Math.sqrt(sigma * sigma + 1));
    }

    @Override
    public boolean needsNoise(int n, int i, double eta) { return false; }

    @Override
    public StepOutput step(Tensor modelOutput, int n, int i, Tensor sample, double eta, Tensor noise) {
        double[] sig = sigmas(n);
        double sigma = sig[checkIndex(n, i)], next = sig[i + 1];
        Tensor x0 = switch (config.predictionType()) {
            case EPSILON -> TensorMath.axpby(1, sample, -sigma, modelOutput);
            case V_PREDICTION -> TensorMath.axpby(-sigma / Math.sqrt(sigma * sigma + 1), modelOutput, 1 / (sigma * sigma + 1), sample);
            case SAMPLE -> modelOutput;
        };
        Tensor derivative = TensorMath.axpby(1 / sigma, sample, -1 / sigma, x0);
        return new StepOutput(TensorMath.axpby(1, sample, next - sigma, derivative), x0);
    }

    /** x0 + sigma(t) * noise per batch element. */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double[] timesteps) {
        double[] ones = new double[timesteps.length], s = new double[timesteps.length];
        for (int b = 0; b < timesteps.length; b++) {
            ones[b] = 1;
            s[b] = sigmaAt(timesteps[b]);
        }
        return TensorMath.axpbyPerBatch(ones, original, s, noise);
    }

    private static int checkIndex(int n, int i) {
        if (i < 0 || i >= n) throw new IllegalArgumentException("step index " + i + " outside [0, " + (n - 1) + "]");
        return i;
    }
}
