package dev.unitune.model.unet;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads values out of a reference config.json (diffusers / transformers) with the reference's defaults.
 * Diffusers configs often hold either one value or a per-block list ("attention_head_dim": 8 or [5, 10, 20, 20]);
 * {@link #intList} broadcasts a single value to the block count, as diffusers does.
 */
public final class ConfigJson {
    private final JsonNode node;
    private final String what;

    /** @param what how errors name this config, e.g. "unet config.json" */
    public ConfigJson(JsonNode node, String what) {
        if (node == null || !node.isObject()) throw new IllegalArgumentException(what + ": expected a JSON object");
        this.node = node;
        this.what = what;
    }

    public JsonNode node() { return node; }

    public boolean isNull(String key) { return !node.has(key) || node.get(key).isNull(); }

    public int getInt(String key, int dflt) {
        if (isNull(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble()))
            throw new IllegalArgumentException(what + ": '" + key + "' must be an integer, got " + v);
        return v.asInt();
    }

    public int requireInt(String key) {
        if (isNull(key)) throw new IllegalArgumentException(what + ": missing required key '" + key + "'");
        return getInt(key, 0);
    }

    public double getDouble(String key, double dflt) {
        if (isNull(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isNumber()) throw new IllegalArgumentException(what + ": '" + key + "' must be a number, got " + v);
        return v.asDouble();
    }

    public boolean getBool(String key, boolean dflt) {
        if (isNull(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isBoolean()) throw new IllegalArgumentException(what + ": '" + key + "' must be true/false, got " + v);
        return v.asBoolean();
    }

    public String getString(String key, String dflt) {
        if (isNull(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isTextual()) throw new IllegalArgumentException(what + ": '" + key + "' must be a string, got " + v);
        return v.asText();
    }

    public List<String> stringList(String key, List<String> dflt) {
        if (isNull(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isArray()) throw new IllegalArgumentException(what + ": '" + key + "' must be a list of strings, got " + v);
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) throw new IllegalArgumentException(what + ": '" + key + "' must be a list of strings, got " + v);
            out.add(e.asText());
        }
        return out;
    }

    /** A per-block int list: a single number is repeated {@code count} times; a list must have {@code count} entries. */
    public int[] intList(String key, int count, Integer dflt) {
        if (isNull(key)) {
            if (dflt == null) throw new IllegalArgumentException(what + ": missing required key '" + key + "'");
            int[] out = new int[count];
            java.util.Arrays.fill(out, dflt);
            return out;
        }
        JsonNode v = node.get(key);
        if (v.isNumber()) {
            int[] out = new int[count];
            java.util.Arrays.fill(out, getInt(key, 0));
            return out;
        }
        if (!v.isArray()) throw new IllegalArgumentException(what + ": '" + key + "' must be an integer or a list, got " + v);
        if (count >= 0 && v.size() != count)
            throw new IllegalArgumentException(what + ": '" + key + "' has " + v.size() + " entries but there are " + count + " blocks");
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = v.get(i);
            if (!e.isNumber()) throw new IllegalArgumentException(what + ": '" + key + "' entry " + i + " must be an integer, got " + e);
            out[i] = e.asInt();
        }
        return out;
    }

    /** A per-block boolean list: a single boolean is repeated. */
    public boolean[] boolList(String key, int count, boolean dflt) {
        boolean[] out = new boolean[count];
        if (isNull(key)) { java.util.Arrays.fill(out, dflt); return out; }
        JsonNode v = node.get(key);
        if (v.isBoolean()) { java.util.Arrays.fill(out, v.asBoolean()); return out; }
        if (!v.isArray() || v.size() != count)
            throw new IllegalArgumentException(what + ": '" + key + "' must be a boolean or a list of " + count + " booleans, got " + v);
        for (int i = 0; i < count; i++) out[i] = v.get(i).asBoolean();
        return out;
    }

    /** Refuses a feature we do not implement: the key must be absent, null, or equal to the accepted value. */
    public void requireAbsentOr(String key, Object accepted) {
        if (isNull(key)) return;
        JsonNode v = node.get(key);
        boolean ok = accepted != null && (v.isBoolean() ? accepted.equals(v.asBoolean())
                : v.isTextual() ? accepted.equals(v.asText())
                : v.isNumber() && accepted instanceof Number n && n.doubleValue() == v.asDouble());
        if (!ok) throw new IllegalArgumentException(what + ": '" + key + "' = " + v + " is not supported"
                + (accepted == null ? " (only null)" : " (only " + accepted + ")"));
    }
}
