package dev.unitune.model.schedulers;

/** What the denoising network predicts (diffusers' prediction_type). */
public enum PredictionType {
    /** The added noise (SD 1.x, SD 2.x base). */
    EPSILON("epsilon"),
    /** v = sqrt(acp) * noise - sqrt(1 - acp) * x0 (SD 2.x 768-v models). */
    V_PREDICTION("v_prediction"),
    /** The clean sample x0 itself. */
    SAMPLE("sample");

    private final String id;

    PredictionType(String id) { this.id = id; }

    public String id() { return id; }

    public static PredictionType parse(String s) {
        for (PredictionType p : values()) if (p.id.equals(s)) return p;
        throw new IllegalArgumentException("unknown prediction_type '" + s + "' (expected epsilon, v_prediction or sample)");
    }
}
