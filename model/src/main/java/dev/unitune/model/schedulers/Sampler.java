package dev.unitune.model.schedulers;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Tensor;

import java.util.List;

/**
 * The denoising loop: from noise (or a noised image) to a sample, with classifier-free guidance
 * prediction = uncond + guidance * (cond - uncond). Conditional and unconditional passes run as one
 * batch of 2B, as the reference pipelines do. Each step runs inside a {@link MemoryScope} that keeps only
 * the new sample and frees the one before, so device memory does not grow with the number of steps.
 */
public final class Sampler {
    /** The network: model output for a latent batch at one timestep, given conditioning (e.g. text states). */
    @FunctionalInterface
    public interface Denoiser {
        Tensor predict(Tensor modelInput, double timestep, Tensor conditioning);
    }

    /** Called after every step (progress bars, recording intermediate images); may be null. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int index, int total, double timestep, StepOutput output);
    }

    private final Scheduler scheduler;
    private final Denoiser model;

    public Sampler(Scheduler scheduler, Denoiser model) {
        this.scheduler = scheduler;
        this.model = model;
    }

    public Scheduler scheduler() { return scheduler; }

    /** Model output with classifier-free guidance; guidance 1 (or no uncond) is the plain conditional output. */
    public Tensor guidedOutput(Tensor modelInput, double t, Tensor cond, Tensor uncond, double guidance) {
        if (uncond == null || guidance == 1.0) return model.predict(modelInput, t, cond);
        Backend be = modelInput.backend();
        int b = modelInput.dim(0);
        if (cond.dim(0) != b || uncond.dim(0) != b)
            throw new IllegalArgumentException("batch " + b + " but conditioning batches " + cond.dim(0) + " (cond) and "
                    + uncond.dim(0) + " (uncond)");
        Tensor both = model.predict(be.concat(List.of(modelInput, modelInput), 0), t, be.concat(List.of(uncond, cond), 0));
        Tensor u = both.narrow(0, 0, b), c = both.narrow(0, b, b);
        return be.binary(BinaryOp.ADD, u, be.binaryScalar(BinaryOp.MUL, be.binary(BinaryOp.SUB, c, u), guidance));
    }

    /**
     * Runs steps startIndex..n-1 of an n-step schedule from {@code latents} (already at the noise level
     * of timesteps(n)[startIndex], e.g. from {@link #initialNoise} or {@link #noisedStart}).
     */
    public Tensor sample(Tensor latents, Tensor cond, Tensor uncond, double guidance, int n, int startIndex,
                         double eta, NoiseSource noise, StepListener listener) {
        double[] ts = scheduler.timesteps(n);
        if (startIndex < 0 || startIndex > n) throw new IllegalArgumentException("start index " + startIndex + " outside [0, " + n + "]");
        Tensor x = latents;
        for (int i = startIndex; i < n; i++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor input = scheduler.scaleModelInput(x, n, i);
                Tensor out = guidedOutput(input, ts[i], cond, uncond, guidance);
                requireFinite(out, i, n, ts[i]);
                Tensor stepNoise = scheduler.needsNoise(n, i, eta) ? noise.next(x.backend(), x.dtype(), x.shape()) : null;
                StepOutput step = scheduler.step(out, n, i, x, eta, stepNoise);
                if (listener != null) listener.onStep(i, n, ts[i], step);
                Tensor previous = x;
                x = scope.keep(step.prevSample());
                // The previous sample was kept out of the last step's scope; free it now on device backends so
                // memory stays flat over any number of steps (never the caller's input). Host arrays are left
                // to the GC, so CPU listeners may keep what they were given; device listeners must copy.
                if (previous != latents && !previous.backend().name().equals("cpu")) previous.close();
            }
        }
        return x;
    }

    /**
     * Stops at the first step whose model output has NaN or Inf (diverged weights, an fp16 overflow), which
     * would otherwise silently produce a black or noise image after the remaining steps. One host copy of
     * a latent per step: negligible next to a network evaluation.
     */
    private static void requireFinite(Tensor modelOutput, int i, int n, double t) {
        float[] v = modelOutput.toFloatArray();
        for (int k = 0; k < v.length; k++)
            if (!Float.isFinite(v[k]))
                throw new IllegalStateException("sampling step " + (i + 1) + " of " + n + " (timestep " + t + "): the model output has "
                        + (Float.isNaN(v[k]) ? "NaN" : "Inf") + " at element " + k + " of shape " + java.util.Arrays.toString(modelOutput.shape()));
    }

    /** Pure-noise start: normal noise times the scheduler's initial sigma. */
    public Tensor initialNoise(Backend backend, int n, NoiseSource noise, int... shape) {
        Tensor z = noise.next(backend, dev.unitune.tensor.DType.F32, shape);
        double s = scheduler.initNoiseSigma(n);
        return s == 1.0 ? z : TensorMath.scale(z, s);
    }

    /** First step index for an img2img strength in [0, 1] (diffusers: n - min(int(n * strength), n)). */
    public static int startIndexForStrength(int n, double strength) {
        if (!(strength >= 0 && strength <= 1)) throw new IllegalArgumentException("strength " + strength + " must be in [0, 1]");
        int init = Math.min((int) (n * strength), n);
        return Math.max(n - init, 0);
    }

    /** SDEdit start: the clean latents noised to timesteps(n)[startIndex] (returns them unchanged if startIndex == n). */
    public Tensor noisedStart(Tensor clean, int n, int startIndex, NoiseSource noise) {
        if (startIndex >= n) return clean;
        double t = scheduler.timesteps(n)[startIndex];
        double[] perBatch = new double[clean.dim(0)];
        java.util.Arrays.fill(perBatch, t);
        return scheduler.addNoise(clean, noise.next(clean.backend(), clean.dtype(), clean.shape()), perBatch);
    }
}
