package dev.unitune.tests.device;

import dev.unitune.model.golden.*;
import dev.unitune.tensor.*;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class ScratchH5Test {
    @Test
    void opsCheck() throws Exception {
        Backend be = Backends.select("opencl");
        for (int rep = 0; rep < 3; rep++) {
            GoldenCheck.FileResult r = new GoldenCheck(be, null).check(Path.of("/work/shared/golden/ops.safetensors"));
            for (GoldenCheck.OutputResult o : r.outputs()) if (o.status() != GoldenCheck.Status.PASS) System.out.println("rep " + rep + " " + o);
            System.out.println("rep " + rep + " pass " + r.count(GoldenCheck.Status.PASS) + " first " + r.outputs().get(0).name());
        }
    }
}
