package dev.unitune.model.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The settings of a diffusers scheduler config.json that our schedulers use, with the defaults of the
 * scheduler class named by {@code _class_name} (the defaults differ: DDIM/DDPM space timesteps "leading",
 * Euler "linspace"; only DDIM/DDPM clip the predicted sample by default).
 */
public record SchedulerConfig(String className, NoiseSchedule schedule, PredictionType predictionType,
                              TimestepSpacing timestepSpacing, int stepsOffset, boolean setAlphaToOne,
                              boolean clipSample, double clipSampleRange, String varianceType) {

    public static final String DDIM = "DDIMScheduler", DDPM = "DDPMScheduler", EULER = "EulerDiscreteScheduler";

    public static SchedulerConfig read(Path configJson) throws IOException {
        JsonNode node = new ObjectMapper().readTree(configJson.toFile());
        if (node == null || !node.isObject()) throw new IOException(configJson + ": not a JSON object");
        return fromJson(node, null);
    }

    /**
     * Parses a config. {@code asClass} overrides {@code _class_name} (as diffusers'
     * {@code DDIMScheduler.from_config(other.config)}), so the SD 1.5 PNDM config can drive DDIM or Euler.
     */
    public static SchedulerConfig fromJson(JsonNode c, String asClass) {
        String cls = asClass != null ? asClass : text(c, "_class_name", DDIM);
        boolean euler = cls.equals(EULER);
        if (!cls.equals(DDIM) && !cls.equals(DDPM) && !euler)
            throw new IllegalArgumentException("scheduler class '" + cls + "' is not supported (use " + DDIM + ", " + DDPM + " or "
                    + EULER + "; any diffusers scheduler config can be read as one of them)");
        if (bool(c, "thresholding", false))
            throw new IllegalArgumentException("scheduler config: thresholding=true (dynamic thresholding) is not supported");
        if (bool(c, "use_karras_sigmas", false))
            throw new IllegalArgumentException("scheduler config: use_karras_sigmas=true is not supported");
        if (euler && !text(c, "interpolation_type", "linear").equals("linear"))
            throw new IllegalArgumentException("scheduler config: interpolation_type '" + text(c, "interpolation_type", "") + "' is not supported (linear only)");
        if (euler && bool(c, "rescale_betas_zero_snr", false))
            throw new IllegalArgumentException("scheduler config: rescale_betas_zero_snr with " + EULER + " is not supported");
        return new SchedulerConfig(cls, NoiseSchedule.fromConfig(c),
                PredictionType.parse(text(c, "prediction_type", "epsilon")),
                TimestepSpacing.parse(text(c, "timestep_spacing", euler ? "linspace" : "leading")),
                integer(c, "steps_offset", 0),
                bool(c, "set_alpha_to_one", true),
                !euler && bool(c, "clip_sample", true),
                number(c, "clip_sample_range", 1.0),
                text(c, "variance_type", "fixed_small"));
    }

    /** The scheduler this config describes. */
    public Scheduler create() {
        return switch (className) {
            case DDIM -> new DdimScheduler(this);
            case DDPM -> new DdpmScheduler(this);
            default -> new EulerDiscreteScheduler(this);
        };
    }

    static String text(JsonNode c, String key, String dflt) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? dflt : v.asText();
    }

    static int integer(JsonNode c, String key, int dflt) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt()) throw new IllegalArgumentException("scheduler config: " + key + " = " + v + " is not an integer");
        return v.asInt();
    }

    static double number(JsonNode c, String key, double dflt) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new IllegalArgumentException("scheduler config: " + key + " = " + v + " is not a number");
        return v.asDouble();
    }

    static boolean bool(JsonNode c, String key, boolean dflt) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? dflt : v.asBoolean();
    }
}
