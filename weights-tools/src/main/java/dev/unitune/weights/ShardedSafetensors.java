package dev.unitune.weights;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint split into several files listed by an index ({@code *.safetensors.index.json}, also
 * {@code pytorch_model.bin.index.json}: {"metadata": {...}, "weight_map": {tensor: shard file}}). Every
 * shard must sit next to the index, is opened by content like any weights file, and the index must name
 * exactly the tensors the shards hold.
 */
public final class ShardedSafetensors {
    private ShardedSafetensors() {}

    public static CompositeWeightSource open(Path index) {
        JsonNode root = Json.read(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new WeightsFormatException(index + ": no \"weight_map\" object");
        LinkedHashMap<String, String> shardOf = new LinkedHashMap<>();
        LinkedHashMap<String, Path> shards = new LinkedHashMap<>();
        Path dir = index.toAbsolutePath().getParent();
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw new WeightsFormatException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
            String file = e.getValue().textValue();
            if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals("..") || file.equals("."))
                throw new WeightsFormatException(index + ": shard name '" + file + "' for tensor '" + e.getKey() + "' is not a plain file name");
            shardOf.put(e.getKey(), file);
            shards.putIfAbsent(file, dir.resolve(file));
        }
        List<WeightSource> opened = new ArrayList<>();
        try {
            LinkedHashMap<String, CompositeWeightSource.Ref> refs = new LinkedHashMap<>();
            LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
            JsonNode md = root.get("metadata");
            if (md != null && md.isObject()) md.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
            for (Map.Entry<String, Path> s : shards.entrySet()) {
                if (!Files.isRegularFile(s.getValue())) throw new WeightsFormatException(index + ": shard '" + s.getKey() + "' is missing");
                WeightSources.Format fmt = WeightSources.sniff(s.getValue());
                if (fmt == WeightSources.Format.FOLDER || fmt == WeightSources.Format.SAFETENSORS_INDEX)
                    throw new WeightsFormatException(index + ": shard '" + s.getKey() + "' is not a weights file");
                WeightSource f = WeightSources.open(s.getValue());
                opened.add(f);
                for (String n : f.names()) {
                    String listed = shardOf.get(n);
                    if (!s.getKey().equals(listed))
                        throw new WeightsFormatException(index + ": tensor '" + n + "' is in shard '" + s.getKey() + "' but the index "
                                + (listed == null ? "does not list it" : "places it in '" + listed + "'"));
                    refs.put(n, new CompositeWeightSource.Ref(f, n));
                }
            }
            for (Map.Entry<String, String> e : shardOf.entrySet())
                if (!refs.containsKey(e.getKey()))
                    throw new WeightsFormatException(index + ": tensor '" + e.getKey() + "' is listed for shard '" + e.getValue() + "' but not in it");
            return new CompositeWeightSource(index, refs, metadata, opened);
        } catch (RuntimeException e) {
            for (WeightSource w : opened) w.close();
            throw e;
        }
    }
}
