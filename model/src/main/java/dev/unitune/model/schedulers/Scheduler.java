package dev.unitune.model.schedulers;

import dev.unitune.tensor.Tensor;

/**
 * A diffusion sampler's timestep schedule and update rule, numerically as diffusers' scheduler of the
 * same name. Unlike diffusers, a scheduler holds no per-step state: {@link #timesteps(int)} gives the
 * schedule and {@link #step} takes the step index, so one instance serves any number of loops.
 */
public interface Scheduler {
    SchedulerConfig config();

    default NoiseSchedule schedule() { return config().schedule(); }

    /** The inference timesteps for n steps, descending (what diffusers' set_timesteps(n) stores). */
    double[] timesteps(int n);

    /** Standard deviation of the initial noise (1 for DDPM/DDIM, the largest sigma for Euler). */
    default double initNoiseSigma(int n) { return 1.0; }

    /** The network's input at step i (Euler divides by sqrt(sigma^2 + 1); identity otherwise). */
    default Tensor scaleModelInput(Tensor sample, int n, int i) { return sample; }

    /**
     * One update from timesteps(n)[i] to the next. {@code noise} is a standard normal tensor shaped like
     * the sample when {@link #needsNoise} says so (DDPM, DDIM with eta &gt; 0), otherwise ignored (may be null).
     */
    StepOutput step(Tensor modelOutput, int n, int i, Tensor sample, double eta, Tensor noise);

    /** Whether step i of n adds fresh noise with this eta. */
    boolean needsNoise(int n, int i, double eta);

    /** Forward process: the clean sample x0 noised to each batch element's timestep. */
    Tensor addNoise(Tensor original, Tensor noise, double[] timesteps);

    /** Index of a timestep in timesteps(n) (the first match), for code that holds timesteps, not indices. */
    default int indexOf(int n, double timestep) {
        double[] ts = timesteps(n);
        for (int i = 0; i < ts.length; i++) if (ts[i] == timestep) return i;
        throw new IllegalArgumentException("timestep " + timestep + " is not one of the " + n + " inference timesteps of "
                + config().className());
    }

    /**
     * The v-prediction training target v = sqrt(acp) noise - sqrt(1 - acp) x0 at integer training
     * timesteps, one per batch element (the same for every scheduler: it is a property of the schedule).
     */
    default Tensor velocity(Tensor original, Tensor noise, double[] timesteps) {
        double[] a = new double[timesteps.length], b = new double[timesteps.length];
        for (int i = 0; i < timesteps.length; i++) {
            double acp = schedule().alphaCumprod(VariancePreservingScheduler.integerTimestep(timesteps[i]));
            a[i] = Math.sqrt(acp);
            b[i] = -Math.sqrt(1 - acp);
        }
        return TensorMath.axpbyPerBatch(a, noise, b, original);
    }
}
