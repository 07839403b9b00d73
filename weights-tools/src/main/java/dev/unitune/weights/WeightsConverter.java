package dev.unitune.weights;

import dev.unitune.tensor.DType;
import dev.unitune.weights.sd.SdCheckpointConverter;
import dev.unitune.weights.sd.SdKeyMap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `weights convert`: any readable weights to safetensors. An original single-file SD checkpoint becomes a
 * diffusers folder; everything else becomes one safetensors file with the same tensor names.
 */
public final class WeightsConverter {
    private WeightsConverter() {}

    /** What was written, for the CLI's summary line. */
    public record Result(Path output, boolean diffusersFolder, int tensors, long bytes, List<String> notes) {}

    /** @param dtype F32, F16 or BF16 for floating tensors; null keeps each tensor's stored type */
    public static Result convert(Path in, Path out, DType dtype) {
        if (dtype != null && dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new IllegalArgumentException("--dtype must be f16, bf16 or f32, not " + dtype.id());
        try (WeightSource src = WeightSources.open(in)) {
            List<String> notes = new ArrayList<>();
            if (SdKeyMap.looksLikeSdCheckpoint(src.names()) && !in.toFile().isDirectory()) {
                SdCheckpointConverter.Plan plan = SdCheckpointConverter.writeDiffusersFolder(src, out, dtype);
                int n = 0;
                for (var l : plan.components().values()) n += l.size();
                notes.add("SD " + (plan.version().equals("sd2") ? "2.x" : "1.x") + " checkpoint -> diffusers folder");
                if (!plan.ignored().isEmpty()) notes.add(plan.ignored().size() + " non-weight tensors skipped (EMA, schedule buffers, ...)");
                if (!plan.dropped().isEmpty()) notes.add(plan.dropped().size() + " tensors of the last OpenCLIP layer dropped (diffusers keeps 23 of 24)");
                if (!plan.unknown().isEmpty()) notes.add(plan.unknown().size() + " tensors outside unet/vae/text encoder skipped, e.g. " + plan.unknown().get(0));
                notes.add("no tokenizer/ folder written: add the CLIP tokenizer files if another tool needs them");
                return new Result(out, true, n, 0, notes);
            }
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            long bytes = 0;
            for (String name : src.names()) {
                TensorInfo t = src.info(name);
                WeightDType stored = t.weightDType();
                ByteRange data = src.bytes(name);
                WeightDType outType = stored;
                if (dtype != null && stored.isFloating() && WeightDType.of(dtype) != stored) {
                    if (t.numel() > Integer.MAX_VALUE - 8) throw new WeightsFormatException(in + ": tensor '" + name + "' too large to convert");
                    data = new ConvertedRange(data, stored, dtype, (int) t.numel(), in + ": tensor '" + name + "'");
                    outType = WeightDType.of(dtype);
                }
                entries.add(new SafetensorsWriter.Entry(name, outType, t.shape(), data));
                bytes += data.size();
            }
            Map<String, String> md = new LinkedHashMap<>(src.metadata());
            if (!(src instanceof SafetensorsFile)) md.put("format", "pt"); // what other safetensors tools expect
            SafetensorsWriter.writeEntries(out, entries, md);
            return new Result(out, false, entries.size(), bytes, notes);
        }
    }
}
