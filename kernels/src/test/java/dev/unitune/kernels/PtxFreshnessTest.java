package dev.unitune.kernels;

import dev.unitune.kernels.device.KernelSources;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed PTX matches the kernel sources: every .cu has a PTX whose first line records the SHA-256
 * of the headers + that source (scripts/build-ptx.sh writes it). Editing a .cu or a header without
 * regenerating the PTX fails here, so the CUDA backend never runs stale kernels.
 */
class PtxFreshnessTest {
    static final Path CU = Path.of("src/main/resources/dev/unitune/kernels/cu");

    /** The families on disk when run from the source tree (Maven), else the listed ones (a bundle run). */
    static List<String> families() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(CU)) {
            out.addAll(KernelSources.PORTABLE);
            out.addAll(KernelSources.CUDA_ONLY);
            return out;
        }
        try (Stream<Path> s = Files.list(CU)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().forEach(n -> out.add(n.substring(0, n.length() - 3)));
        }
        return out;
    }

    @Test
    void everyFamilyIsListedAndHasFreshPtx() throws IOException {
        List<String> fams = families();
        List<String> listed = new ArrayList<>(KernelSources.PORTABLE);
        listed.addAll(KernelSources.CUDA_ONLY);
        assertEquals(fams.stream().sorted().toList(), listed.stream().sorted().toList(), "kernel families on disk vs KernelSources lists");
        List<String> stale = new ArrayList<>();
        for (String f : fams) {
            String ptx = KernelSources.ptx(f);
            if (!KernelSources.sourceHash(f).equals(KernelSources.recordedHash(ptx))) stale.add(f);
            assertTrue(ptx.contains(".target sm_80"), f + ".ptx should target sm_80 (JIT-compiled for newer GPUs)");
        }
        assertTrue(stale.isEmpty(), "stale PTX for " + stale + ": run scripts/build-ptx.sh");
    }

    @Test
    void recordedHashIsReadFromTheFirstLineOnly() {
        assertEquals("abc", KernelSources.recordedHash(KernelSources.HASH_PREFIX + "abc\n.version 8.0\n"));
        assertEquals(null, KernelSources.recordedHash(".version 8.0\n// unitune-source-sha256 abc\n"));
    }
}
