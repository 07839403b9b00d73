package dev.unitune.autograd.optim;

/**
 * Learning rate as a function of the step about to be taken (0-based). Call {@link #apply} before each
 * {@link Optimizer#step()}.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long step);

    default void apply(Optimizer opt) { opt.setLr(lr(opt.stepCount())); }

    static LrSchedule constant(double lr) { return s -> lr; }

    /** Linear ramp from 0 over warmupSteps, then constant (diffusers constant_with_warmup). */
    static LrSchedule linearWarmup(double lr, long warmupSteps) {
        return s -> warmupSteps > 0 && s < warmupSteps ? lr * (double) s / warmupSteps : lr;
    }

    /**
     * Linear warmup, then a half-cosine from lr down to minLr at totalSteps (diffusers cosine with
     * num_cycles 0.5 when minLr = 0); minLr after totalSteps.
     */
    static LrSchedule cosine(double lr, long warmupSteps, long totalSteps, double minLr) {
        if (totalSteps <= warmupSteps) throw new IllegalArgumentException("cosine schedule: totalSteps " + totalSteps + " <= warmupSteps " + warmupSteps);
        return s -> {
            if (s < warmupSteps) return lr * (double) s / Math.max(1, warmupSteps);
            double progress = Math.min(1.0, (double) (s - warmupSteps) / (totalSteps - warmupSteps));
            return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
