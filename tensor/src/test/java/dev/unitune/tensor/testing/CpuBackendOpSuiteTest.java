package dev.unitune.tensor.testing;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

/** Every op of the CPU backend against the naive double reference, through the property harness. */
class CpuBackendOpSuiteTest {
    private static List<DynamicTest> suite(DType dt, int examples) {
        List<DynamicTest> tests = new ArrayList<>();
        for (BackendOpSuite.OpCase c : BackendOpSuite.cases()) {
            if (!c.supports(dt)) continue;
            tests.add(DynamicTest.dynamicTest(c.name() + " " + dt.id(), () ->
                    Property.check(c.name() + " " + dt.id(), examples, 5, (seed, size) -> c.run(CpuBackend.instance(), dt, seed, size))));
        }
        return tests;
    }

    @TestFactory List<DynamicTest> f32() { return suite(DType.F32, 30); }

    @TestFactory List<DynamicTest> f64() { return suite(DType.F64, 30); }

    @TestFactory List<DynamicTest> f16() { return suite(DType.F16, 8); }

    @TestFactory List<DynamicTest> bf16() { return suite(DType.BF16, 8); }

    @TestFactory List<DynamicTest> i32() { return suite(DType.I32, 20); }

    @TestFactory List<DynamicTest> i64() { return suite(DType.I64, 20); }
}
