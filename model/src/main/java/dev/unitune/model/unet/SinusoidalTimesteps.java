package dev.unitune.model.unet;

/**
 * The sinusoidal timestep embedding of diffusers' {@code Timesteps} / {@code get_timestep_embedding}:
 * frequencies exp(-ln(10000) * i / (half - freqShift)) for i in [0, half), then [sin | cos] of t * freq,
 * swapped to [cos | sin] when {@code flipSinToCos} (SD's setting), zero-padded when dim is odd.
 *
 * <p>The reference computes frequencies and t * freq in float32; we round at the same places so the
 * arguments (up to ~1000 rad) carry the same float32 rounding (~6e-5 rad at t = 999) as the reference,
 * rather than being more exact and therefore different.
 */
public final class SinusoidalTimesteps {
    private SinusoidalTimesteps() {}

    public static float[] embed(double[] timesteps, int dim, boolean flipSinToCos, double freqShift) {
        int half = dim / 2;
        if (half == 0) throw new IllegalArgumentException("timestep embedding dim " + dim + " is too small");
        if (half - freqShift == 0) throw new IllegalArgumentException("timestep embedding: half dim " + half + " equals freq_shift");
        float[] freq = new float[half];
        float negLogMax = (float) -Math.log(10000.0);
        for (int i = 0; i < half; i++) {
            float exponent = (negLogMax * (float) i) / (float) (half - freqShift);
            freq[i] = (float) Math.exp(exponent);
        }
        float[] out = new float[timesteps.length * dim];
        for (int b = 0; b < timesteps.length; b++) {
            float t = (float) timesteps[b];
            for (int i = 0; i < half; i++) {
                float arg = t * freq[i];
                float s = (float) Math.sin(arg), c = (float) Math.cos(arg);
                out[b * dim + i] = flipSinToCos ? c : s;
                out[b * dim + half + i] = flipSinToCos ? s : c;
            }
        }
        return out;
    }
}
