package dev.unitune.model.golden;

import dev.unitune.tensor.Backends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every golden file in src/test/resources/golden (copied from the reference runs) must pass on the CPU
 * with the tolerances the files recommend, no output skipped.
 */
class GoldenFilesTest {
    private static final Path DIR = Paths.get("src/test/resources/golden");

    @TestFactory
    Stream<DynamicTest> everyGoldenFilePassesOnCpu() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors") || p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no golden files in " + DIR.toAbsolutePath());
        GoldenCheck check = new GoldenCheck(Backends.cpu(), null);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            GoldenCheck.FileResult r = check.check(f);
            assertTrue(r.passed(false), () -> GoldenCheck.table(List.of(r), false));
        }));
    }
}
