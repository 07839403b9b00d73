package dev.unitune.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class KernelBenchTest {
    @Test
    void jsonRowsHaveTheDocumentedFieldsAndNullsForAMissingPeer(@TempDir Path dir) throws Exception {
        List<KernelBench.Row> rows = List.of(
                new KernelBench.Row("sgemm 1024x1024x1024", 200.0, "numpy 2.4.6", 250.0),
                new KernelBench.Row("conv2d \"odd\"", 100.0, null, Double.NaN));
        Path file = dir.resolve("sub/out.json");
        KernelBench.writeJson(rows, file);
        String json = Files.readString(file);
        assertTrue(json.contains("{\"case\": \"sgemm 1024x1024x1024\", \"gflops\": 200.000, \"peer\": \"numpy 2.4.6\", "
                + "\"peer_gflops\": 250.000, \"ratio\": 0.800}"), json);
        assertTrue(json.contains("{\"case\": \"conv2d \\\"odd\\\"\", \"gflops\": 100.000, \"peer\": null, \"peer_gflops\": null, \"ratio\": null}"), json);
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void standardCasesCoverTheIssueTable() {
        List<String> names = KernelCase.standard().stream().map(KernelCase::name).toList();
        assertEquals(10, names.size());
        assertTrue(names.contains("sgemm 2048x2048x2048"));
        assertTrue(names.contains("conv2d (1,1280,16,16)->1280"));
        KernelCase.Conv conv = (KernelCase.Conv) KernelCase.standard().get(6);
        assertEquals(2.0 * 320 * 320 * 9 * 64 * 64, conv.flops());
        assertEquals("conv 1 320 64 64 320 3 3 1 1 5", conv.peerRequest(5));
    }

    @Test
    void missingPeerIsOneClearLineAndOursIsStillReported() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        List<KernelBench.Row> rows = KernelBench.run(new KernelBench.Options(null, 1, 1, true, "1024x1024x1024",
                "/nonexistent/python3", List.of("/nonexistent/python3"), out));
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("SGEMM peer missing (/nonexistent/python3 not runnable"), text);
        assertEquals(1, rows.size());
        assertNull(rows.get(0).peer());
        assertTrue(rows.get(0).gflops() > 0);
    }

    @Test
    void unknownCaseFilterIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> KernelBench.run(new KernelBench.Options(null, 1, 1, true,
                "no-such-case", "python3", List.of("python3"), new PrintStream(new ByteArrayOutputStream()))));
        assertTrue(e.getMessage().contains("no benchmark case matches 'no-such-case'"), e.getMessage());
    }
}
