package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A golden safetensors file read through weights-tools; tensors are loaded lazily, on demand. */
public final class SafetensorsGoldenCase implements GoldenCase, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WeightSource source;
    private final String kind;
    private final JsonNode config;

    private SafetensorsGoldenCase(WeightSource source, String kind, JsonNode config) {
        this.source = source;
        this.kind = kind;
        this.config = config;
    }

    /** Opens a golden file; a file without __metadata__.kind or with an unparsable config is a clear error. */
    public static SafetensorsGoldenCase open(Path path) throws IOException {
        WeightSource src = WeightSources.open(path);
        try {
            Map<String, String> meta = src.metadata();
            String kind = meta.get("kind");
            if (kind == null || kind.isBlank())
                throw new IOException(path + ": not a golden file (no __metadata__.kind)");
            JsonNode config;
            try {
                config = meta.containsKey("config") ? JSON.readTree(meta.get("config")) : JSON.createObjectNode();
            } catch (IOException e) {
                throw new IOException(path + ": __metadata__.config is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
            }
            return new SafetensorsGoldenCase(src, kind, config);
        } catch (IOException | RuntimeException e) {
            src.close();
            throw e;
        }
    }

    @Override public Path path() { return source.path(); }
    @Override public String kind() { return kind; }
    @Override public JsonNode config() { return config; }
    @Override public Map<String, String> metadata() { return source.metadata(); }
    @Override public List<String> names() { return source.names(); }
    @Override public boolean has(String fullName) { return source.contains(fullName); }

    @Override
    public List<String> namesUnder(String prefix) {
        List<String> out = new ArrayList<>();
        for (String n : source.names()) if (n.startsWith(prefix)) out.add(n.substring(prefix.length()));
        return out;
    }

    @Override
    public Tensor tensor(String fullName, Backend backend) {
        if (!source.contains(fullName))
            throw new IllegalArgumentException(path() + ": golden file has no tensor '" + fullName + "'");
        return source.load(fullName, backend);
    }

    @Override
    public Map<String, Tensor> weights(Backend backend) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : namesUnder("weights.")) out.put(n, tensor("weights." + n, backend));
        return out;
    }

    /** The stored dtype string of a tensor ("F32", "I64", ...). */
    public String dtypeOf(String fullName) { return source.info(fullName).dtype(); }

    @Override
    public void close() { source.close(); }
}
