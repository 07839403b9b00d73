package dev.unitune.model.golden;

import dev.unitune.tensor.Backends;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker's own behaviour: real comparisons, overrides, skips, exact integers, bad files. */
class GoldenCheckTest {
    private static final Path DIR = Paths.get("src/test/resources/golden");

    @Test
    void schedulerFileComparesEveryOutput() {
        GoldenCheck.FileResult r = new GoldenCheck(Backends.cpu(), null).check(DIR.resolve("scheduler_ddpm_eps.safetensors"));
        System.out.println(GoldenCheck.table(List.of(r), false));
        assertTrue(r.passed(false), () -> GoldenCheck.table(List.of(r), false));
        assertEquals(0, r.count(GoldenCheck.Status.SKIP));
        assertTrue(r.outputs().size() >= 14, "every output of the file is compared");
        GoldenCheck.OutputResult ts = r.outputs().stream().filter(o -> o.name().equals("timesteps_50")).findFirst().orElseThrow();
        assertEquals("exact", ts.tolSource());
        assertEquals(0.0, ts.maxAbs());
    }

    @Test
    void aTinyToleranceOverrideFailsFloatOutputs() {
        // add_noise carries float32 rounding (~1e-7 relative at values ~3), so 1e-12 must fail: the
        // comparison is real, not a pass-through.
        GoldenCheck.FileResult r = new GoldenCheck(Backends.cpu(), 1e-12).check(DIR.resolve("scheduler_ddim_eps.safetensors"));
        GoldenCheck.OutputResult add = r.outputs().stream().filter(o -> o.name().equals("add_noise")).findFirst().orElseThrow();
        assertEquals(GoldenCheck.Status.FAIL, add.status());
        assertEquals("--tol", add.tolSource());
        assertFalse(r.passed(true));
    }

    @Test
    void missingOutputsAreSkippedAndFailUnlessAllowed() {
        Tolerances none = new Tolerances(Map.of());
        GoldenCheck check = new GoldenCheck(Backends.cpu(), null);
        GoldenCheck.FileResult r = new GoldenCheck.FileResult(Paths.get("x"), "k",
                List.of(new GoldenCheck.OutputResult("a", GoldenCheck.Status.SKIP, Double.NaN, Double.NaN, Double.NaN, "", "not computed")), null);
        assertFalse(r.passed(false));
        assertTrue(r.passed(true));
        // an exact integer mismatch fails regardless of tolerances
        Tensor want = Backends.cpu().fromHost(new long[]{1, 2, 3}, DType.I64, 3);
        Tensor got = Backends.cpu().fromHost(new long[]{1, 2, 4}, DType.I64, 3);
        GoldenCheck.OutputResult o = check.compare("ids", want, got, none);
        assertEquals(GoldenCheck.Status.FAIL, o.status());
        assertEquals("1 of 3 differ", o.note());
        // a NaN never passes
        Tensor e = Backends.cpu().fromHost(new float[]{1, 2}, DType.F32, 2);
        Tensor n = Backends.cpu().fromHost(new float[]{1, Float.NaN}, DType.F32, 2);
        assertEquals(GoldenCheck.Status.FAIL, check.compare("x", e, n, none).status());
    }

    @Test
    void defaultToleranceFollowsTheDocumentedOrder() {
        Tolerances t = new Tolerances(Map.of(
                "recommended_tolerance", "{\"output.a\": 0.001}",
                "fp64_check", "{\"output.b\": {\"max_abs_err_fp32_vs_fp64\": 3.1e-6}, \"output.c\": {\"recommended_atol\": 2e-5}}"));
        assertEquals(0.001, t.forOutput("output.a", 1).atol());
        assertEquals(5e-5, t.forOutput("output.b", 1).atol(), 1e-18);
        assertEquals(2e-5, t.forOutput("output.c", 1).atol());
        assertEquals("f32 default", t.forOutput("output.d", 10).source());
        assertEquals(100 * Math.pow(2, -24) * 10, t.forOutput("output.d", 10).atol(), 1e-15);
        assertEquals(1e-4, Tolerances.roundUp125(1e-4), 1e-18);
        assertEquals(2e-4, Tolerances.roundUp125(1.01e-4), 1e-18);
    }

    @Test
    void aBrokenFileIsAClearError(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        Files.write(bad, new byte[]{1, 2, 3});
        GoldenCheck.FileResult r = new GoldenCheck(Backends.cpu(), null).check(bad);
        assertNotNull(r.error());
        assertTrue(r.error().contains("bad.safetensors"), r.error());
        assertFalse(r.passed(true));
    }

    @Test
    void tokenizerJsonIsCheckedExactly() {
        GoldenCheck.FileResult r = new GoldenCheck(Backends.cpu(), null).check(DIR.resolve("clip_tokenizer_cases.json"));
        System.out.println(GoldenCheck.table(List.of(r), false));
        assertTrue(r.passed(false), () -> GoldenCheck.table(List.of(r), false));
        assertEquals(4, r.outputs().size());
    }
}
