package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/**
 * The absolute tolerance for one golden output. In order: the file's recommended_tolerance for it; the
 * recommended_atol of its fp64_check entry; 10x its observed float32-vs-float64 error rounded up to a
 * 1-2-5 step (how the golden files derive theirs); else a float32 default of 100 units of float32
 * rounding (2^-24) at the output's largest magnitude, enough for accumulated rounding in short
 * computations and far below any real bug.
 */
final class Tolerances {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double F32_UNIT_ROUNDOFF = Math.pow(2, -24);

    private final JsonNode recommended, fp64Check;

    Tolerances(Map<String, String> metadata) {
        recommended = parse(metadata.get("recommended_tolerance"));
        fp64Check = parse(metadata.get("fp64_check"));
    }

    private static JsonNode parse(String s) {
        if (s == null) return JSON.createObjectNode();
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            return JSON.createObjectNode(); // a malformed hint falls back to the float32 default
        }
    }

    /** Tolerance and where it came from ("recommended", "fp64_check", "f32 default"). */
    record Tol(double atol, String source) {}

    Tol forOutput(String fullName, double maxAbsExpected) {
        JsonNode r = recommended.get(fullName);
        if (r != null && r.isNumber()) return new Tol(r.asDouble(), "recommended");
        JsonNode f = fp64Check.get(fullName);
        if (f != null && f.isObject()) {
            if (f.path("recommended_atol").isNumber()) return new Tol(f.get("recommended_atol").asDouble(), "fp64_check");
            if (f.path("max_abs_err_fp32_vs_fp64").isNumber())
                return new Tol(roundUp125(10 * f.get("max_abs_err_fp32_vs_fp64").asDouble()), "fp64_check");
        }
        return new Tol(Math.max(100 * F32_UNIT_ROUNDOFF * maxAbsExpected, 1e-12), "f32 default");
    }

    /** The smallest 1, 2 or 5 times a power of ten that is >= x. */
    static double roundUp125(double x) {
        if (!(x > 0)) return 0;
        double p = Math.pow(10, Math.floor(Math.log10(x)));
        for (double m : new double[]{1, 2, 5, 10}) if (m * p >= x * (1 - 1e-12)) return m * p;
        return 10 * p;
    }
}
