package dev.unitune.model.golden;

import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Checks golden files: finds the {@link GoldenRunner} for the file's kind, runs it, and compares every
 * "output.*" tensor of the file with the recomputed one: max absolute error, max error relative to the
 * largest expected magnitude, PASS/FAIL against a tolerance ({@link Tolerances}, or one override for
 * all). Integer outputs must match exactly. Outputs the runner did not produce are SKIPPED, which fails
 * the check unless skips are allowed. clip_tokenizer JSON files are checked by {@link TokenizerGoldenCheck}.
 */
public final class GoldenCheck {
    public enum Status { PASS, FAIL, SKIP }

    /** One compared output. maxAbs/maxRel are NaN when nothing was compared. */
    public record OutputResult(String name, Status status, double maxAbs, double maxRel, double atol, String tolSource, String note) {}

    /** One file: its outputs, or an error that stopped the check (counts as a failure). */
    public record FileResult(Path path, String kind, List<OutputResult> outputs, String error) {
        public long count(Status s) { return outputs.stream().filter(o -> o.status() == s).count(); }

        public boolean passed(boolean allowSkip) {
            return error == null && !outputs.isEmpty() && count(Status.FAIL) == 0 && (allowSkip || count(Status.SKIP) == 0);
        }
    }

    private final Backend backend;
    private final Double tolOverride;
    private final Map<String, GoldenRunner> runners = new HashMap<>();
    private final List<String> brokenRunners = new ArrayList<>();

    public GoldenCheck(Backend backend, Double tolOverride) {
        this.backend = backend;
        this.tolOverride = tolOverride;
        var it = ServiceLoader.load(GoldenRunner.class, GoldenCheck.class.getClassLoader()).iterator();
        while (true) {
            GoldenRunner r;
            try {
                if (!it.hasNext()) break;
                r = it.next();
            } catch (java.util.ServiceConfigurationError e) { // one broken runner must not hide the others
                brokenRunners.add(e.getMessage());
                continue;
            }
            for (String k : r.kinds()) runners.putIfAbsent(k, r);
        }
    }

    /** Runner registrations that could not be loaded (class missing or failing to construct). */
    public List<String> brokenRunners() { return List.copyOf(brokenRunners); }

    /** Kinds with a registered runner (plus clip_tokenizer, which is built in). */
    public java.util.Set<String> kinds() {
        java.util.Set<String> s = new java.util.TreeSet<>(runners.keySet());
        s.add(TokenizerGoldenCheck.KIND);
        return s;
    }

    public FileResult check(Path file) {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"))
            return TokenizerGoldenCheck.check(file);
        try (SafetensorsGoldenCase golden = SafetensorsGoldenCase.open(file)) {
            GoldenRunner runner = runners.get(golden.kind());
            if (runner == null)
                return new FileResult(file, golden.kind(), List.of(), "no runner for kind '" + golden.kind() + "' (known: " + kinds() + ")"
                        + (brokenRunners.isEmpty() ? "" : "; broken registrations: " + brokenRunners));
            Map<String, Tensor> computed;
            try {
                computed = runner.run(golden, backend);
            } catch (Exception | Error e) {
                return new FileResult(file, golden.kind(), List.of(), "runner for '" + golden.kind() + "' failed: " + e);
            }
            Tolerances tols = new Tolerances(golden.metadata());
            List<OutputResult> results = new ArrayList<>();
            for (String name : golden.namesUnder("output.")) {
                Tensor actual = computed.get(name);
                if (actual == null) {
                    results.add(new OutputResult(name, Status.SKIP, Double.NaN, Double.NaN, Double.NaN, "", "not computed"));
                    continue;
                }
                results.add(compare(name, golden.tensor("output." + name, backend), actual, tols));
            }
            for (String extra : computed.keySet())
                if (!golden.has("output." + extra))
                    results.add(new OutputResult(extra, Status.FAIL, Double.NaN, Double.NaN, Double.NaN, "", "computed but not in the file (runner bug)"));
            return new FileResult(file, golden.kind(), results, null);
        } catch (Exception e) {
            return new FileResult(file, "?", List.of(), e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    OutputResult compare(String name, Tensor expected, Tensor actual, Tolerances tols) {
        if (!Arrays.equals(expected.shape(), actual.shape()) && expected.numel() != actual.numel())
            return new OutputResult(name, Status.FAIL, Double.NaN, Double.NaN, Double.NaN, "",
                    "shape " + Arrays.toString(actual.shape()) + " but expected " + Arrays.toString(expected.shape()));
        if (!expected.dtype().isFloating()) return compareExact(name, expected, actual);
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double maxAbs = 0, maxExp = 0;
        boolean nan = false;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (Double.isNaN(d)) nan = true;
            else maxAbs = Math.max(maxAbs, d);
            maxExp = Math.max(maxExp, Math.abs(e[i]));
        }
        Tolerances.Tol tol = tolOverride != null ? new Tolerances.Tol(tolOverride, "--tol") : tols.forOutput("output." + name, maxExp);
        double rel = maxExp > 0 ? maxAbs / maxExp : maxAbs;
        String note = Arrays.equals(expected.shape(), actual.shape()) ? "" : "reshaped from " + Arrays.toString(actual.shape());
        if (nan) return new OutputResult(name, Status.FAIL, Double.NaN, Double.NaN, tol.atol(), tol.source(), "NaN in the computed output");
        return new OutputResult(name, maxAbs <= tol.atol() ? Status.PASS : Status.FAIL, maxAbs, rel, tol.atol(), tol.source(), note);
    }

    private static OutputResult compareExact(String name, Tensor expected, Tensor actual) {
        if (actual.dtype().isFloating())
            return new OutputResult(name, Status.FAIL, Double.NaN, Double.NaN, 0, "exact", "integer output computed as " + actual.dtype().id());
        long[] e = longs(expected), a = longs(actual);
        int mismatches = 0;
        double maxAbs = 0, maxExp = 0;
        for (int i = 0; i < e.length; i++) {
            if (e[i] != a[i]) mismatches++;
            maxAbs = Math.max(maxAbs, Math.abs((double) a[i] - e[i]));
            maxExp = Math.max(maxExp, Math.abs((double) e[i]));
        }
        return new OutputResult(name, mismatches == 0 ? Status.PASS : Status.FAIL, maxAbs, maxExp > 0 ? maxAbs / maxExp : maxAbs, 0, "exact",
                mismatches == 0 ? "" : mismatches + " of " + e.length + " differ");
    }

    private static long[] longs(Tensor t) {
        Tensor x = t.dtype() == DType.I64 ? t : t.to(DType.I64);
        return (long[]) x.backend().toHost(x);
    }

    /** The report: one row per output, then one summary line per file. */
    public static String table(List<FileResult> files, boolean allowSkip) {
        StringBuilder sb = new StringBuilder();
        for (FileResult f : files) {
            sb.append(f.path().getFileName()).append("  (").append(f.kind()).append(")\n");
            if (f.error() != null) {
                sb.append("  ERROR  ").append(f.error()).append('\n');
                continue;
            }
            int w = Math.max(6, f.outputs().stream().mapToInt(o -> o.name().length()).max().orElse(6));
            sb.append(String.format(Locale.ROOT, "  %-" + w + "s  %-6s %11s %11s %11s  %s%n", "output", "status", "max abs", "max rel", "atol", "tolerance from / note"));
            for (OutputResult o : f.outputs())
                sb.append(String.format(Locale.ROOT, "  %-" + w + "s  %-6s %11s %11s %11s  %s%n", o.name(), o.status(), num(o.maxAbs()),
                        num(o.maxRel()), num(o.atol()), (o.tolSource() + (o.note().isEmpty() ? "" : "  " + o.note())).trim()));
            sb.append(String.format(Locale.ROOT, "  => %s: %d pass, %d fail, %d skipped%n", f.passed(allowSkip) ? "PASS" : "FAIL",
                    f.count(Status.PASS), f.count(Status.FAIL), f.count(Status.SKIP)));
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
    }
}
