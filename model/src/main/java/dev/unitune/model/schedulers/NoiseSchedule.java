package dev.unitune.model.schedulers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The training noise schedule: betas and the cumulative products of alphas, computed in double (the
 * reference computes them in float32; double agrees with it to float32 rounding and with the float64
 * re-run exactly).
 */
public final class NoiseSchedule {
    private final double[] betas;
    private final double[] alphasCumprod;

    private NoiseSchedule(double[] betas) {
        this.betas = betas;
        this.alphasCumprod = new double[betas.length];
        double acc = 1;
        for (int i = 0; i < betas.length; i++) {
            acc *= 1 - betas[i];
            alphasCumprod[i] = acc;
        }
    }

    public static NoiseSchedule fromBetas(double[] betas) {
        for (int i = 0; i < betas.length; i++)
            if (!(betas[i] > 0 && betas[i] < 1)) throw new IllegalArgumentException("beta[" + i + "] = " + betas[i] + " is not in (0, 1)");
        return new NoiseSchedule(betas.clone());
    }

    /** "linear", "scaled_linear" or "squaredcos_cap_v2" over numTrain steps (trained_betas handled by the caller). */
    public static NoiseSchedule of(String betaSchedule, int numTrain, double betaStart, double betaEnd) {
        if (numTrain < 2) throw new IllegalArgumentException("num_train_timesteps " + numTrain + " must be at least 2");
        double[] b = new double[numTrain];
        switch (betaSchedule) {
            case "linear" -> {
                for (int i = 0; i < numTrain; i++) b[i] = betaStart + (betaEnd - betaStart) * i / (numTrain - 1);
            }
            case "scaled_linear" -> { // linear in sqrt(beta), the schedule latent diffusion was trained with
                double s0 = Math.sqrt(betaStart), s1 = Math.sqrt(betaEnd);
                for (int i = 0; i < numTrain; i++) {
                    double s = s0 + (s1 - s0) * i / (numTrain - 1);
                    b[i] = s * s;
                }
            }
            case "squaredcos_cap_v2" -> { // Nichol & Dhariwal cosine alpha-bar, betas capped at 0.999
                for (int i = 0; i < numTrain; i++)
                    b[i] = Math.min(1 - cosineAlphaBar((i + 1.0) / numTrain) / cosineAlphaBar((double) i / numTrain), 0.999);
            }
            default -> throw new IllegalArgumentException("unknown beta_schedule '" + betaSchedule
                    + "' (expected linear, scaled_linear or squaredcos_cap_v2)");
        }
        return fromBetas(b);
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** From a diffusers scheduler config: trained_betas if present, else beta_schedule/beta_start/beta_end. */
    public static NoiseSchedule fromConfig(JsonNode config) {
        JsonNode trained = config.get("trained_betas");
        NoiseSchedule s;
        if (trained != null && trained.isArray() && trained.size() > 0) {
            double[] b = new double[trained.size()];
            for (int i = 0; i < b.length; i++) b[i] = trained.get(i).asDouble();
            s = fromBetas(b);
        } else {
            s = of(SchedulerConfig.text(config, "beta_schedule", "linear"), SchedulerConfig.integer(config, "num_train_timesteps", 1000),
                    SchedulerConfig.number(config, "beta_start", 0.0001), SchedulerConfig.number(config, "beta_end", 0.02));
        }
        return SchedulerConfig.bool(config, "rescale_betas_zero_snr", false) ? s.rescaledToZeroTerminalSnr() : s;
    }

    /**
     * Lin et al. 2023: shift and scale sqrt(acp) so the last timestep has zero signal (needed for
     * v-prediction models trained that way), keeping the first value.
     */
    public NoiseSchedule rescaledToZeroTerminalSnr() {
        int n = alphasCumprod.length;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = Math.sqrt(alphasCumprod[i]);
        double first = s[0], last = s[n - 1];
        double[] b = new double[n];
        double prev = 1;
        for (int i = 0; i < n; i++) {
            double v = (s[i] - last) * first / (first - last);
            double acp = v * v;
            b[i] = 1 - (i == 0 ? acp : acp / prev);
            prev = acp;
        }
        NoiseSchedule out = new NoiseSchedule(b); // the last beta is exactly 1: not a valid fromBetas input
        return out;
    }

    public int numTrainTimesteps() { return betas.length; }

    public double[] betas() { return betas.clone(); }

    public double[] alphasCumprod() { return alphasCumprod.clone(); }

    public double beta(int t) { return betas[check(t)]; }

    public double alphaCumprod(int t) { return alphasCumprod[check(t)]; }

    private int check(int t) {
        if (t < 0 || t >= betas.length)
            throw new IllegalArgumentException("timestep " + t + " outside the training range [0, " + (betas.length - 1) + "]");
        return t;
    }

    /** Noise level of the VP process in the VE (Euler) parameterisation: sqrt((1 - acp) / acp). */
    public double sigma(int t) {
        double a = alphaCumprod(t);
        return Math.sqrt((1 - a) / a);
    }
}
