package dev.unitune.model.vgg;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VGG feature stack in torchvision's make_layers notation: channel counts for 3x3 convs (padding 1,
 * each followed by a ReLU) and "M" for 2x2 max-pool stride 2. Layer indices follow torchvision's
 * {@code features} Sequential (conv, relu, conv, relu, pool, ...), and the taps are named after the ReLU
 * they read: relu{block}_{conv in block}, e.g. VGG16 relu3_3 = features[15].
 *
 * @param layers channel counts (Integer) and "M" markers
 */
public record VggConfig(List<Object> layers) {
    public static final int POOL = -1;

    public VggConfig {
        for (Object o : layers)
            if (!(o instanceof Integer i && i > 0) && !"M".equals(o))
                throw new IllegalArgumentException("VGG cfg entry " + o + " is neither a positive channel count nor \"M\"");
        layers = List.copyOf(layers);
    }

    /** torchvision configuration 'D' (VGG16). */
    public static VggConfig vgg16() { return of(64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL, 512, 512, 512, POOL, 512, 512, 512, POOL); }

    /** torchvision configuration 'E' (VGG19). */
    public static VggConfig vgg19() {
        return of(64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL, 512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL);
    }

    private static VggConfig of(int... cfg) {
        List<Object> l = new ArrayList<>();
        for (int c : cfg) l.add(c == POOL ? "M" : (Object) c);
        return new VggConfig(l);
    }

    /** From a JSON object with a "cfg" array (the golden files' config) or from a bare array. */
    public static VggConfig fromJson(JsonNode node) {
        JsonNode cfg = node.isArray() ? node : node.get("cfg");
        if (cfg == null || !cfg.isArray()) throw new IllegalArgumentException("VGG config has no \"cfg\" array");
        List<Object> l = new ArrayList<>();
        for (JsonNode n : cfg) l.add(n.isInt() ? (Object) n.asInt() : n.asText());
        return new VggConfig(l);
    }

    /** Tap name -> torchvision features index of its ReLU, in network order. */
    public Map<String, Integer> taps() {
        Map<String, Integer> taps = new LinkedHashMap<>();
        int index = 0, block = 1, conv = 0;
        for (Object o : layers) {
            if ("M".equals(o)) {
                index++;
                block++;
                conv = 0;
            } else {
                conv++;
                taps.put("relu" + block + "_" + conv, index + 1);
                index += 2;
            }
        }
        return Collections.unmodifiableMap(taps);
    }

    /** The usual perceptual taps: the last ReLU of every block (VGG16 relu1_2 ... relu5_3, VGG19 relu3_4 ...). */
    public List<String> blockEndTaps() {
        Map<String, String> lastPerBlock = new LinkedHashMap<>();
        for (String t : taps().keySet()) lastPerBlock.put(t.substring(0, t.indexOf('_')), t);
        return List.copyOf(lastPerBlock.values());
    }
}
