package dev.unitune.weights.diffusers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unitune.weights.CompositeWeightSource;
import dev.unitune.weights.Json;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import dev.unitune.weights.WeightsFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A diffusers pipeline folder: {@code model_index.json} and one sub-folder per component (unet, vae,
 * text_encoder, tokenizer, scheduler, ...), each with its config and, for networks, its weights.
 * Weights open lazily and close with the folder.
 */
public final class DiffusersFolder implements AutoCloseable {
    /** Components Stable Diffusion pipelines have, in the order `weights inspect` lists them. */
    public static final List<String> KNOWN = List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler",
            "text_encoder_2", "tokenizer_2", "safety_checker", "feature_extractor");

    /** Weight file names in order of preference (full precision first, then fp16 variants, shards, torch). */
    public static final List<String> WEIGHT_FILES = List.of(
            "diffusion_pytorch_model.safetensors", "model.safetensors",
            "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors",
            "diffusion_pytorch_model.safetensors.index.json", "model.safetensors.index.json",
            "diffusion_pytorch_model.fp16.safetensors.index.json", "model.fp16.safetensors.index.json",
            "diffusion_pytorch_model.bin", "pytorch_model.bin");

    private final Path root;
    private final JsonNode modelIndex;
    private final Map<String, WeightSource> opened = new LinkedHashMap<>();

    private DiffusersFolder(Path root, JsonNode modelIndex) {
        this.root = root;
        this.modelIndex = modelIndex;
    }

    public static boolean isPipeline(Path dir) { return Files.isRegularFile(dir.resolve("model_index.json")); }

    /** A folder with config.json and a weights file: one component on its own (e.g. a unet/ folder). */
    public static boolean isComponent(Path dir) { return Files.isRegularFile(dir.resolve("config.json")) && weightFile(dir) != null; }

    public static DiffusersFolder open(Path root) {
        if (!Files.isDirectory(root)) throw new WeightsFormatException(root + ": not a folder");
        if (!isPipeline(root)) throw new WeightsFormatException(root + ": no model_index.json (not a diffusers pipeline folder)");
        return new DiffusersFolder(root, Json.read(root.resolve("model_index.json")));
    }

    public Path root() { return root; }

    public JsonNode modelIndex() { return modelIndex; }

    /** Components present as sub-folders (known ones first, then any other listed in model_index.json). */
    public List<String> components() {
        List<String> out = new ArrayList<>();
        for (String k : KNOWN) if (Files.isDirectory(root.resolve(k))) out.add(k);
        modelIndex.fieldNames().forEachRemaining(k -> {
            if (!k.startsWith("_") && !out.contains(k) && Files.isDirectory(root.resolve(k))) out.add(k);
        });
        return out;
    }

    /** Components model_index.json names that have no folder. */
    public List<String> missingComponents() {
        List<String> out = new ArrayList<>();
        modelIndex.fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("_") && e.getValue().isArray() && !e.getValue().get(0).isNull()
                    && !Files.isDirectory(root.resolve(e.getKey()))) out.add(e.getKey());
        });
        return out;
    }

    public boolean has(String component) { return Files.isDirectory(root.resolve(component)); }

    public Path componentDir(String component) {
        Path d = root.resolve(component);
        if (!Files.isDirectory(d)) throw new WeightsFormatException(root + ": component '" + component + "' not found");
        return d;
    }

    /** config.json (scheduler_config.json for schedulers, tokenizer_config.json for tokenizers). */
    public JsonNode config(String component) {
        Path d = componentDir(component);
        for (String n : List.of("config.json", "scheduler_config.json", "tokenizer_config.json", "preprocessor_config.json"))
            if (Files.isRegularFile(d.resolve(n))) return Json.read(d.resolve(n));
        throw new WeightsFormatException(d + ": no config.json");
    }

    public boolean hasWeights(String component) { return has(component) && weightFile(root.resolve(component)) != null; }

    /** The component's weights (opened once, closed with the folder). */
    public synchronized WeightSource weights(String component) {
        WeightSource w = opened.get(component);
        if (w != null) return w;
        Path d = componentDir(component);
        Path f = weightFile(d);
        if (f == null) throw new WeightsFormatException(d + ": no weights file (looked for " + String.join(", ", WEIGHT_FILES) + ")");
        w = WeightSources.open(f);
        opened.put(component, w);
        return w;
    }

    /** The preferred weights file in a component folder, or null. */
    public static Path weightFile(Path dir) {
        for (String n : WEIGHT_FILES) if (Files.isRegularFile(dir.resolve(n))) return dir.resolve(n);
        return null;
    }

    /**
     * What {@code WeightSources.open} gives for a folder: a single component folder's weights, or every
     * component's weights of a pipeline under "component." prefixes.
     */
    public static WeightSource openWeights(Path dir) {
        if (!isPipeline(dir)) {
            Path f = weightFile(dir);
            if (f == null) throw new WeightsFormatException(dir + ": neither a diffusers pipeline (model_index.json) nor a component folder with weights");
            return WeightSources.open(f);
        }
        DiffusersFolder folder = open(dir);
        List<WeightSource> owned = new ArrayList<>();
        LinkedHashMap<String, CompositeWeightSource.Ref> refs = new LinkedHashMap<>();
        LinkedHashMap<String, String> md = new LinkedHashMap<>();
        md.put("format", "diffusers");
        try {
            for (String c : folder.components()) {
                if (!folder.hasWeights(c)) continue;
                WeightSource w = WeightSources.open(weightFile(folder.root.resolve(c)));
                owned.add(w);
                for (String n : w.names()) refs.put(c + "." + n, new CompositeWeightSource.Ref(w, n));
            }
        } catch (RuntimeException e) {
            owned.forEach(WeightSource::close);
            throw e;
        }
        md.put("components", String.join(",", folder.components()));
        return new CompositeWeightSource(dir, refs, md, owned);
    }

    @Override
    public synchronized void close() {
        opened.values().forEach(WeightSource::close);
        opened.clear();
    }
}
