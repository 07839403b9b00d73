package dev.unitune.bench;

import dev.unitune.tensor.cpu.fast.Threads;
import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * `unitune bench kernels`: our SGEMM and conv2d against numpy (OpenBLAS) and PyTorch CPU (oneDNN) on the
 * same shapes, same thread count, in the same run. This machine's speed drifts up to 2x minute to
 * minute, so each case alternates ours and the peer's for several rounds and keeps the best time of
 * each side; the ratio (ours / peer GFLOPS, > 1 means we are faster) is the figure to read.
 */
public final class KernelBench {
    private KernelBench() {}

    /**
     * @param json         where to write the JSON rows, or null
     * @param filter       run only cases whose name contains this (case-insensitive), or null for all
     * @param numpyPython  interpreter with numpy 2.x (bundled OpenBLAS)
     * @param torchPython  interpreters to try for torch, in order
     */
    public record Options(Path json, int rounds, int threads, boolean quick, String filter,
                          String numpyPython, List<String> torchPython, PrintStream out) {
        public Options {
            if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
    }

    /** One result row; peer fields are null/NaN when the peer was missing. */
    public record Row(String name, double gflops, String peer, double peerGflops) {
        public double ratio() { return gflops / peerGflops; }
    }

    public static List<Row> run(Options o) throws IOException {
        PrintStream out = o.out();
        List<KernelCase> cases = new ArrayList<>();
        for (KernelCase c : KernelCase.standard())
            if (o.filter() == null || c.name().toLowerCase(Locale.ROOT).contains(o.filter().toLowerCase(Locale.ROOT))) cases.add(c);
        if (cases.isEmpty()) throw new IllegalArgumentException("no benchmark case matches '" + o.filter() + "'");
        Threads.setCount(o.threads());
        out.printf(Locale.ROOT, "unitune bench kernels: %s %s, Vector species %s, %d threads (ours and peers), %s%n",
                System.getProperty("java.vm.name"), Runtime.version(), FloatVector.SPECIES_PREFERRED, o.threads(), LocalDate.now());

        PeerProcess numpy = null, torch = null;
        try {
            if (cases.stream().anyMatch(c -> c instanceof KernelCase.Gemm)) numpy = startNumpy(o, out);
            if (cases.stream().anyMatch(c -> c instanceof KernelCase.Conv)) torch = startTorch(o, out);
            List<Row> rows = new ArrayList<>();
            for (KernelCase c : cases) {
                PeerProcess peer = c instanceof KernelCase.Gemm ? numpy : torch;
                String peerName = peer == null ? null : peer.banner();
                Row row = measure(c, peer, peerName, o);
                rows.add(row);
                out.println(format(row));
            }
            out.println();
            printTable(rows, out);
            if (o.json() != null) {
                writeJson(rows, o.json());
                out.println("wrote " + o.json());
            }
            return rows;
        } finally {
            if (numpy != null) numpy.close();
            if (torch != null) torch.close();
        }
    }

    /** Warm-up, then rounds alternating ours and the peer's (the peer first on odd rounds); best of each. */
    private static Row measure(KernelCase c, PeerProcess peer, String peerName, Options o) throws IOException {
        Runnable ours = c.prepare();
        // Warm-up: let C2 compile the kernels (at least 3 calls and 0.5 s; one call in --quick).
        long start = System.nanoTime();
        double single = Double.POSITIVE_INFINITY;
        for (int i = 0; i < (o.quick() ? 1 : 3) || (!o.quick() && System.nanoTime() - start < 500_000_000L); i++)
            single = Math.min(single, timeOnce(ours));
        int reps = o.quick() ? 2 : (int) Math.max(3, Math.min(20, Math.ceil(0.4 / single)));
        double best = Double.POSITIVE_INFINITY, peerBest = Double.POSITIVE_INFINITY;
        for (int round = 0; round < o.rounds(); round++) {
            boolean peerFirst = round % 2 == 1;
            if (peerFirst && peer != null) peerBest = Math.min(peerBest, peer.time(c.peerRequest(reps)));
            for (int r = 0; r < reps; r++) best = Math.min(best, timeOnce(ours));
            if (!peerFirst && peer != null) peerBest = Math.min(peerBest, peer.time(c.peerRequest(reps)));
        }
        double gflops = c.flops() / best / 1e9;
        double peerGflops = peer == null ? Double.NaN : c.flops() / peerBest / 1e9;
        return new Row(c.name(), gflops, peerName, peerGflops);
    }

    private static double timeOnce(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static PeerProcess startNumpy(Options o, PrintStream out) {
        // numpy's bundled OpenBLAS detects this CPU itself; OPENBLAS_CORETYPE / L2 overrides meant for
        // Debian's OpenBLAS would mislead it, so they are removed for this process only.
        Map<String, String> env = new HashMap<>();
        env.put("OPENBLAS_CORETYPE", null);
        env.put("OPENBLAS_L2_SIZE", null);
        env.put("OPENBLAS_NUM_THREADS", Integer.toString(o.threads()));
        env.put("OMP_NUM_THREADS", Integer.toString(o.threads()));
        StringBuilder why = new StringBuilder();
        PeerProcess p = PeerProcess.start(o.numpyPython(), "numpy_gemm_peer.py", List.of(), env, why);
        out.println(p == null ? "SGEMM peer missing (" + why + "); reporting ours alone" : "SGEMM peer: " + p.banner()
                + " via " + o.numpyPython() + ", OPENBLAS_NUM_THREADS=" + o.threads());
        return p;
    }

    private static PeerProcess startTorch(Options o, PrintStream out) {
        Map<String, String> env = new HashMap<>();
        env.put("OMP_NUM_THREADS", Integer.toString(o.threads()));
        StringBuilder whyAll = new StringBuilder();
        for (String python : o.torchPython()) {
            StringBuilder why = new StringBuilder();
            PeerProcess p = PeerProcess.start(python, "torch_conv2d_peer.py", List.of(Integer.toString(o.threads())), env, why);
            if (p != null) {
                out.println("conv2d peer: " + p.banner() + " via " + python);
                return p;
            }
            if (whyAll.length() > 0) whyAll.append("; ");
            whyAll.append(why);
        }
        out.println("conv2d peer missing (" + whyAll + "); reporting ours alone");
        return null;
    }

    static String format(Row r) {
        if (r.peer() == null) return String.format(Locale.ROOT, "%-30s %8.1f GFLOPS   (no peer)", r.name(), r.gflops());
        return String.format(Locale.ROOT, "%-30s %8.1f GFLOPS   %-28s %8.1f GFLOPS   ratio %.2f",
                r.name(), r.gflops(), r.peer(), r.peerGflops(), r.ratio());
    }

    static void printTable(List<Row> rows, PrintStream out) {
        out.println("| case | ours GFLOPS | peer | peer GFLOPS | ratio (ours/peer) |");
        out.println("|---|---:|---|---:|---:|");
        for (Row r : rows) {
            if (r.peer() == null) out.printf(Locale.ROOT, "| %s | %.1f | (missing) | | |%n", r.name(), r.gflops());
            else out.printf(Locale.ROOT, "| %s | %.1f | %s | %.1f | %.2f |%n", r.name(), r.gflops(), r.peer(), r.peerGflops(), r.ratio());
        }
    }

    /** JSON array of {case, gflops, peer, peer_gflops, ratio}; written to a temp file, then moved into place. */
    static String toJson(List<Row> rows) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append("  {\"case\": ").append(quote(r.name()))
                    .append(", \"gflops\": ").append(number(r.gflops()))
                    .append(", \"peer\": ").append(r.peer() == null ? "null" : quote(r.peer()))
                    .append(", \"peer_gflops\": ").append(r.peer() == null ? "null" : number(r.peerGflops()))
                    .append(", \"ratio\": ").append(r.peer() == null ? "null" : number(r.ratio()))
                    .append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        return sb.append("]\n").toString();
    }

    static void writeJson(List<Row> rows, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, toJson(rows), StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch)); else sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }
}
