package dev.unitune.app;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InfoCommandTest {

    /** Runs the CLI in-process and returns {exit code, stdout, stderr}. */
    static Object[] runCli(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Object[]{code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void infoListsTheCpuBackendAndEveryOtherBackendWithAReason() {
        Object[] r = runCli("info", "--ops");
        String out = (String) r[1];
        assertEquals(0, r[0], () -> "exit code; stderr: " + r[2]);
        assertTrue(out.contains("vector api"), out);
        assertTrue(out.matches("(?s).*\\bcpu\\s+available.*"), out);
        // Every non-CPU backend line is either available or says why not, in one line.
        for (String line : out.split("\n")) {
            if (line.contains("unavailable")) assertTrue(line.trim().split("unavailable", 2)[1].trim().length() > 3, line);
        }
        assertTrue(!out.contains("Exception\n\tat "), "no stack traces: " + out);
    }

    @Test
    void unknownBackendIsAOneLineError() {
        Object[] r = runCli("info");
        assertEquals(0, r[0]);
        String prev = System.getProperty("unitune.backend");
        System.setProperty("unitune.backend", "nosuch");
        try {
            Object[] bad = runCli("info");
            assertTrue(((String) bad[1]).contains("unknown backend 'nosuch'"), (String) bad[1]);
        } finally {
            if (prev == null) System.clearProperty("unitune.backend"); else System.setProperty("unitune.backend", prev);
        }
    }
}
