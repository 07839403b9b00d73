package dev.unitune.model.schedulers;

/**
 * How the inference timesteps are picked from the training range (diffusers' timestep_spacing; see
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed", table 2).
 */
public enum TimestepSpacing {
    /** round(linspace(0, T-1, N)) descending. */
    LINSPACE("linspace"),
    /** arange(N) * (T / N) descending, plus steps_offset (SD 1.x default with steps_offset 1). */
    LEADING("leading"),
    /** round(arange(T, 0, -T/N)) - 1: always includes T-1. */
    TRAILING("trailing");

    private final String id;

    TimestepSpacing(String id) { this.id = id; }

    public String id() { return id; }

    public static TimestepSpacing parse(String s) {
        for (TimestepSpacing t : values()) if (t.id.equals(s)) return t;
        throw new IllegalArgumentException("unknown timestep_spacing '" + s + "' (expected linspace, leading or trailing)");
    }

    /**
     * The N inference timesteps, descending, as exact doubles. Integer schedulers (DDPM, DDIM) round them;
     * Euler keeps the fractional linspace values.
     */
    double[] timesteps(int trainSteps, int n, int stepsOffset, boolean integer) {
        if (n < 1 || n > trainSteps)
            throw new IllegalArgumentException("number of inference steps " + n + " must be in [1, " + trainSteps + "] (num_train_timesteps)");
        double[] t = new double[n];
        switch (this) {
            case LINSPACE -> {
                for (int i = 0; i < n; i++) {
                    double v = n == 1 ? 0 : (double) (trainSteps - 1) * i / (n - 1);
                    t[n - 1 - i] = integer ? Math.rint(v) : v; // numpy rounds half to even, as rint
                }
            }
            case LEADING -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) t[n - 1 - i] = (double) i * ratio + stepsOffset;
            }
            case TRAILING -> {
                double ratio = (double) trainSteps / n;
                // numpy arange(T, 0, -ratio) has ceil(T / ratio) = N elements: T, T - ratio, ...
                for (int i = 0; i < n; i++) t[i] = Math.rint(trainSteps - i * ratio) - 1;
            }
        }
        return t;
    }
}
