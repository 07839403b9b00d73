package dev.unitune.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.unitune.app.InfoCommandTest.runCli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weights commands as a user runs them: tables on success, one line and exit 2 on bad input. */
class WeightsCliTest {
    /** The model module keeps the golden copies; surefire runs with the module directory as working dir. */
    static final Path GOLDEN = Path.of("..", "model", "src", "test", "resources", "golden");

    private static void assertOneLineError(Object[] r, String mustMention) {
        String err = (String) r[2];
        assertEquals(2, r[0], () -> "exit code for bad input; stderr: " + err + " stdout: " + r[1]);
        assertEquals(1, err.strip().lines().count(), () -> "one line on stderr, got: " + err);
        assertFalse(err.contains("\tat "), () -> "no stack trace: " + err);
        assertTrue(err.contains(mustMention), () -> "error should name '" + mustMention + "': " + err);
    }

    @Test
    void inspectPrintsEveryTensorAndTheParameterCount() {
        Object[] r = runCli("weights", "inspect", GOLDEN.resolve("ops.safetensors").toString());
        String out = (String) r[1];
        assertEquals(0, r[0], () -> "stderr: " + r[2]);
        assertTrue(out.contains("input.sdpa.q") || out.contains("sdpa"), out);
        assertTrue(out.toLowerCase().contains("param"), out);
    }

    @Test
    void inspectOfAMissingFileIsOneLine(@TempDir Path dir) {
        Path missing = dir.resolve("nope.safetensors");
        assertOneLineError(runCli("weights", "inspect", missing.toString()), "nope.safetensors");
    }

    @Test
    void inspectOfATruncatedFileIsOneLine(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(GOLDEN.resolve("ops.safetensors"));
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        assertOneLineError(runCli("weights", "inspect", cut.toString()), "cut.safetensors");
    }

    @Test
    void convertToF16WritesAReadableFile(@TempDir Path dir) {
        Path out = dir.resolve("vae-f16.safetensors");
        Object[] r = runCli("weights", "convert", GOLDEN.resolve("vae.safetensors").toString(), out.toString(), "--dtype", "f16");
        assertEquals(0, r[0], () -> "stderr: " + r[2]);
        assertTrue(Files.isRegularFile(out));
        Object[] back = runCli("weights", "inspect", out.toString());
        assertEquals(0, back[0], () -> "stderr: " + back[2]);
        assertTrue(((String) back[1]).contains("F16"), (String) back[1]);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp files left beside the output");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void goldenCheckPassesOnReferenceFilesAndFailsUnderAnImpossibleTolerance() {
        String ops = GOLDEN.resolve("ops.safetensors").toString();
        String sched = GOLDEN.resolve("scheduler_ddim_eps.safetensors").toString();
        Object[] ok = runCli("weights", "golden-check", "--backend", "cpu", ops, sched);
        assertEquals(0, ok[0], () -> "stdout: " + ok[1] + " stderr: " + ok[2]);
        assertTrue(((String) ok[1]).contains("ALL PASS"), (String) ok[1]);

        Object[] strict = runCli("weights", "golden-check", "--backend", "cpu", "--tol", "1e-12", ops);
        assertEquals(1, strict[0], () -> "a 1e-12 tolerance cannot hold for float32 attention: " + strict[1]);
        assertTrue(((String) strict[1]).contains("FAIL"), (String) strict[1]);
    }

    @Test
    void goldenCheckOfAMissingFileIsOneLine() {
        assertOneLineError(runCli("weights", "golden-check", "missing-golden.safetensors"), "missing-golden.safetensors");
    }
}
