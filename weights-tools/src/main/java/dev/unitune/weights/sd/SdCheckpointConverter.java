package dev.unitune.weights.sd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.tensor.DType;
import dev.unitune.weights.ByteRange;
import dev.unitune.weights.ConvertedRange;
import dev.unitune.weights.SafetensorsWriter;
import dev.unitune.weights.TensorInfo;
import dev.unitune.weights.WeightDType;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightsFormatException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Converts an original single-file SD 1.x/2.x checkpoint (safetensors or torch) into a diffusers folder:
 * tensors renamed by {@link SdKeyMap}, fused q/k/v split, 1x1-conv attention weights flattened, and the
 * config.json files derived from the tensor shapes.
 */
public final class SdCheckpointConverter {
    private SdCheckpointConverter() {}

    /** One output tensor: where it comes from and how. part is the q/k/v index for SPLIT3. */
    public record Planned(String component, String name, String source, SdKeyMap.Op op, int part, long[] shape) {}

    public record Plan(String version, Map<String, List<Planned>> components, List<String> ignored, List<String> dropped,
                       List<String> unknown) {
        public Planned find(String component, String name) {
            for (Planned p : components.getOrDefault(component, List.of())) if (p.name().equals(name)) return p;
            return null;
        }
    }

    public static Plan plan(WeightSource src) {
        SdKeyMap map = SdKeyMap.standard().forCheckpoint(src.names());
        Map<String, List<Planned>> comps = new LinkedHashMap<>();
        for (String c : List.of("unet", "vae", "text_encoder")) comps.put(c, new ArrayList<>());
        List<String> ignored = new ArrayList<>(), dropped = new ArrayList<>(), unknown = new ArrayList<>(), unmapped = new ArrayList<>();
        boolean openClip = false;
        for (String key : src.names()) {
            SdKeyMap.Outcome o = map.map(key);
            if (o instanceof SdKeyMap.Ignored) ignored.add(key);
            else if (o instanceof SdKeyMap.Dropped) dropped.add(key);
            else if (o instanceof SdKeyMap.Unmapped u) (u.component() == null ? unknown : unmapped).add(key);
            else if (o instanceof SdKeyMap.Mapped m) {
                if (key.startsWith("cond_stage_model.model.")) openClip = true;
                TensorInfo info = src.info(key);
                long[] s = info.shape();
                for (int part = 0; part < m.targets().size(); part++)
                    comps.get(m.component()).add(new Planned(m.component(), m.targets().get(part), key, m.op(), part, outShape(src, key, s, m.op())));
            }
        }
        if (!unmapped.isEmpty())
            throw new WeightsFormatException(src.path() + ": " + unmapped.size() + " tensors of known components have no diffusers name, e.g. '"
                    + unmapped.get(0) + "' (not an SD 1.x/2.x checkpoint?)");
        if (comps.get("unet").isEmpty()) throw new WeightsFormatException(src.path() + ": no UNet tensors under model.diffusion_model.");
        for (List<Planned> l : comps.values()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (Planned p : l)
                if (!names.add(p.name()))
                    throw new WeightsFormatException(src.path() + ": two tensors map to " + p.component() + "/" + p.name() + " (the second from '" + p.source() + "')");
        }
        return new Plan(openClip ? "sd2" : "sd1", comps, ignored, dropped, unknown);
    }

    private static long[] outShape(WeightSource src, String key, long[] s, SdKeyMap.Op op) {
        switch (op) {
            case SPLIT3:
                if (s.length < 1 || s[0] % 3 != 0)
                    throw new WeightsFormatException(src.path() + ": tensor '" + key + "' shape " + java.util.Arrays.toString(s) + " is not a fused q/k/v tensor");
                long[] t = s.clone();
                t[0] = s[0] / 3;
                return t;
            case CONV1X1_TO_LINEAR:
                if (s.length == 2) return s;
                if (s.length != 4 || s[2] != 1 || s[3] != 1)
                    throw new WeightsFormatException(src.path() + ": tensor '" + key + "' shape " + java.util.Arrays.toString(s) + " is not a 1x1 conv weight");
                return new long[]{s[0], s[1]};
            default:
                return s;
        }
    }

    /**
     * Writes the diffusers folder (model_index.json, unet/, vae/, text_encoder/, scheduler/) into outDir,
     * which must not exist or be empty. Everything is written to a sibling temp folder and renamed at the end.
     *
     * @param dtype float dtype for floating tensors, or null to keep the stored ones
     */
    public static Plan writeDiffusersFolder(WeightSource src, Path outDir, DType dtype) {
        Plan plan = plan(src);
        Path out = outDir.toAbsolutePath();
        try {
            if (Files.exists(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isPresent()) throw new WeightsFormatException(out + ": exists and is not empty");
                }
                Files.delete(out);
            }
            Files.createDirectories(out.getParent());
            Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".tmp");
            try {
                Map<String, ObjectNode> configs = SdConfigs.derive(plan);
                for (Map.Entry<String, List<Planned>> c : plan.components().entrySet()) {
                    if (c.getValue().isEmpty()) continue;
                    Path dir = Files.createDirectories(tmp.resolve(c.getKey()));
                    writeJson(dir.resolve("config.json"), configs.get(c.getKey()));
                    String file = c.getKey().equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
                    SafetensorsWriter.writeEntries(dir.resolve(file), entries(src, c.getValue(), dtype), Map.of("format", "pt"));
                }
                Files.createDirectories(tmp.resolve("scheduler"));
                writeJson(tmp.resolve("scheduler").resolve("scheduler_config.json"), configs.get("scheduler"));
                writeJson(tmp.resolve("model_index.json"), configs.get("model_index"));
                try {
                    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, out);
                }
                tmp = null;
            } finally {
                if (tmp != null) deleteTree(tmp);
            }
        } catch (IOException e) {
            throw new WeightsFormatException(out + ": cannot write: " + e.getMessage(), e);
        }
        return plan;
    }

    static List<SafetensorsWriter.Entry> entries(WeightSource src, List<Planned> planned, DType dtype) {
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        for (Planned p : planned) {
            TensorInfo info = src.info(p.source());
            WeightDType stored = info.weightDType();
            ByteRange bytes = src.bytes(p.source());
            long numel = 1;
            for (long d : p.shape()) numel *= d;
            if (p.op() == SdKeyMap.Op.SPLIT3) {
                long partBytes = numel * stored.byteSize();
                bytes = ConvertedRange.slice(bytes, p.part() * partBytes, partBytes);
            }
            WeightDType outType = stored;
            if (dtype != null && stored.isFloating() && WeightDType.of(dtype) != stored) {
                if (numel > Integer.MAX_VALUE - 8) throw new WeightsFormatException(src.path() + ": tensor '" + p.source() + "' too large to convert");
                bytes = new ConvertedRange(bytes, stored, dtype, (int) numel, src.path() + ": tensor '" + p.source() + "'");
                outType = WeightDType.of(dtype);
            }
            out.add(new SafetensorsWriter.Entry(p.name(), outType, p.shape(), bytes));
        }
        out.sort(Comparator.comparing(SafetensorsWriter.Entry::name)); // diffusers files are sorted by name
        return out;
    }

    static void writeJson(Path file, ObjectNode node) throws IOException {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(file, m.writeValueAsString(node) + "\n");
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.deleteIfExists(x);
                } catch (IOException ignored) {
                    // best effort cleanup of our own temp folder
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
