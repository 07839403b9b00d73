package dev.unitune.tensor.cpu.fast;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Same inputs, same bits: whether C2 compiled the kernels or not, whatever the thread count. */
class ReproducibilityTest {
    @Test
    void compiledCodeMatchesTheInterpreterBitForBit() throws IOException, InterruptedException {
        // After the warm-up C2 has compiled the kernels. Checked: with the Vector API's lanewise(EXP) and
        // reduceLanes(ADD) in place of ours, this fingerprint differs from the interpreter's.
        ReproducibilityProbe.warmUp();
        long compiled = ReproducibilityProbe.fingerprint();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(List.of(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), ReproducibilityProbe.class.getName()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "interpreter-only probe did not finish in 90 s");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        String line = output.lines().filter(l -> l.startsWith("fingerprint ")).findFirst()
                .orElseThrow(() -> new AssertionError("no fingerprint in: " + output));
        assertEquals(compiled, Long.parseLong(line.substring("fingerprint ".length()).trim()),
                "-Xint and C2 gave different bits");
    }

    @Test
    void threadCountDoesNotChangeTheBits() {
        int original = Threads.count();
        try {
            Threads.setCount(1);
            long one = ReproducibilityProbe.fingerprint(true);
            Threads.setCount(3);
            long three = ReproducibilityProbe.fingerprint(true);
            assertEquals(one, three);
        } finally {
            Threads.setCount(original);
        }
    }
}
