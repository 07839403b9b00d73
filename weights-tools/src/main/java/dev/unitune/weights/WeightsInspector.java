package dev.unitune.weights;

import dev.unitune.weights.diffusers.DiffusersFolder;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** `weights inspect`: a table of tensors, the parameter count, the metadata and, for folders, the components. */
public final class WeightsInspector {
    private WeightsInspector() {}

    public static void inspect(Path path, PrintStream out) {
        if (Files.isDirectory(path) && DiffusersFolder.isPipeline(path)) {
            try (DiffusersFolder f = DiffusersFolder.open(path)) {
                out.println("diffusers pipeline: " + path);
                String cls = f.modelIndex().path("_class_name").asText("?");
                out.println("pipeline class: " + cls);
                for (String c : f.components()) {
                    Path wf = DiffusersFolder.weightFile(f.componentDir(c));
                    out.println("  component " + c + ": " + (wf == null ? "config only" : "weights " + f.componentDir(c).relativize(wf)));
                }
                for (String c : f.missingComponents()) out.println("  component " + c + ": MISSING (listed in model_index.json)");
            }
        }
        try (WeightSource w = WeightSources.open(path)) {
            table(w, out);
        }
    }

    static void table(WeightSource w, PrintStream out) {
        int nameWidth = 4;
        for (String n : w.names()) nameWidth = Math.max(nameWidth, Math.min(n.length(), 80));
        String fmt = "%-" + nameWidth + "s  %-7s  %-22s  %12s%n";
        out.printf(fmt, "name", "dtype", "shape", "bytes");
        long params = 0, bytes = 0;
        for (String n : w.names()) {
            TensorInfo t = w.info(n);
            out.printf(fmt, n, t.dtype(), Arrays.toString(t.shape()), t.byteSize());
            params += t.numel();
            bytes += t.byteSize();
        }
        out.println(w.names().size() + " tensors, " + String.format("%,d", params) + " parameters (" + human(params) + "), "
                + String.format("%,d", bytes) + " bytes");
        Map<String, String> md = w.metadata();
        if (!md.isEmpty()) {
            out.println("metadata:");
            for (Map.Entry<String, String> e : md.entrySet()) out.println("  " + e.getKey() + ": " + abbreviate(e.getValue()));
        }
    }

    private static String human(long n) {
        if (n >= 1_000_000_000L) return String.format("%.2fB", n / 1e9);
        if (n >= 1_000_000L) return String.format("%.1fM", n / 1e6);
        if (n >= 1_000L) return String.format("%.1fK", n / 1e3);
        return Long.toString(n);
    }

    /** Metadata values can be long JSON documents: one line, at most 200 characters. */
    private static String abbreviate(String v) {
        String s = WeightsFormatException.oneLine(v);
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }
}
