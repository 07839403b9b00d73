package dev.unitune.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A long-lived peer benchmark process (a Python script from bench/scripts) spoken to line by line, so
 * its runs can be interleaved with ours without paying the interpreter's start-up each round.
 */
final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final BufferedWriter in;
    private String banner;

    private PeerProcess(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    /** What the peer said it is ("numpy 2.4.6 scipy-openblas"). */
    String banner() { return banner; }

    /**
     * Starts {@code python script args} with the environment changes (null value = remove the variable).
     * Returns null and fills {@code why} when the interpreter or the library is missing.
     */
    static PeerProcess start(String python, String scriptResource, List<String> args, Map<String, String> env,
                             StringBuilder why) {
        Path script;
        try {
            script = extract(scriptResource);
        } catch (IOException e) {
            why.append("cannot extract ").append(scriptResource).append(": ").append(e.getMessage());
            return null;
        }
        List<String> command = new ArrayList<>(List.of(python, script.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k); else pb.environment().put(k, v);
        });
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            why.append(python).append(" not runnable: ").append(e.getMessage());
            return null;
        }
        PeerProcess peer = new PeerProcess(p);
        String first;
        try {
            first = peer.out.readLine();
        } catch (IOException e) {
            first = null;
        }
        if (first == null || !first.startsWith("ready ")) {
            why.append(python).append(' ').append(scriptResource).append(": ")
                    .append(first == null ? "exited without answering" : first);
            peer.close();
            return null;
        }
        peer.banner = first.substring("ready ".length());
        return peer;
    }

    /** Sends one request and returns the peer's best time in seconds. */
    double time(String request) throws IOException {
        in.write(request);
        in.newLine();
        in.flush();
        String line = out.readLine();
        if (line == null) throw new IOException("peer exited while answering '" + request + "'");
        try {
            return Double.parseDouble(line.trim());
        } catch (NumberFormatException e) {
            throw new IOException("peer answered '" + line + "' to '" + request + "'");
        }
    }

    @Override
    public void close() {
        try {
            in.write("quit");
            in.newLine();
            in.flush();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Copies a script from the jar (bench/scripts is packaged under dev/unitune/bench/scripts) to a temp file. */
    private static Path extract(String resource) throws IOException {
        try (InputStream s = PeerProcess.class.getResourceAsStream("scripts/" + resource)) {
            if (s == null) throw new IOException("resource dev/unitune/bench/scripts/" + resource + " is missing from the jar");
            Path tmp = Files.createTempFile("unitune-peer-", ".py");
            tmp.toFile().deleteOnExit();
            Files.copy(s, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }
}
