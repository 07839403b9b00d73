package dev.unitune.kernels;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.testing.BackendOpSuite;
import dev.unitune.tensor.testing.Property;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The project's shared op table ({@link BackendOpSuite}: every op, random shapes with odd and size-1 dims,
 * permuted/sliced/broadcast views, against the naive double reference with per-op tolerances) on a
 * device backend, driven by the QuickTheories harness. F32, and F16/BF16 storage with F32 compute under
 * the suite's dtype tolerances (torch's rtol 1e-3 / 1.6e-2). F64 is a CPU-only dtype (gradient checks),
 * which device backends refuse for compute. The same example counts as the CPU suite.
 */
abstract class DeviceBackendOpSuiteContract {
    abstract DeviceBackend device();

    /** Examples per op and dtype; -Dunitune.examples raises it for a soak run. */
    int examples(DType dt) { return dt == DType.F32 ? 30 : 8; }

    private List<DynamicTest> suite(DType dt) {
        List<DynamicTest> tests = new ArrayList<>();
        for (BackendOpSuite.OpCase c : BackendOpSuite.cases()) {
            if (!c.supports(dt)) continue;
            tests.add(DynamicTest.dynamicTest(c.name() + " " + dt.id(), () -> {
                DeviceBackend b = device();
                Property.check(c.name() + " " + dt.id() + " on " + b.name(), examples(dt), 5, (seed, size) -> c.run(b, dt, seed, size));
            }));
        }
        return tests;
    }

    @TestFactory List<DynamicTest> f32() { return suite(DType.F32); }

    @TestFactory List<DynamicTest> f16() { return suite(DType.F16); }

    @TestFactory List<DynamicTest> bf16() { return suite(DType.BF16); }
}
