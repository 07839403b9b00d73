package dev.unitune.kernels;

import dev.unitune.kernels.device.KernelSources;
import dev.unitune.kernels.opencl.OpenClBackend;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/** Every portable kernel family builds as OpenCL C on this machine's platform (PoCL in CI). */
class KernelCompileTest {
    @TestFactory
    Stream<DynamicTest> everyFamilyCompilesAsOpenCl() {
        OpenClBackend cl = DeviceBackends.openClOrSkip();
        return KernelSources.PORTABLE.stream().map(f -> DynamicTest.dynamicTest(f, () -> cl.compile(f)));
    }
}
