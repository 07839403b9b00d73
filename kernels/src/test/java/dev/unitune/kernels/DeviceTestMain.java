package dev.unitune.kernels;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;
import java.util.Arrays;

/**
 * Runs device test classes without Maven, for scripts/device-check.sh on a GPU machine that has only the
 * bundled JRE: {@code DeviceTestMain class [class ...]}. Prints one line per test (PASS/FAIL/SKIP with the
 * reason), a summary, and exits 1 when anything failed, 3 when nothing ran.
 */
public final class DeviceTestMain {
    private DeviceTestMain() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: DeviceTestMain <fully.qualified.TestClass> ...");
            System.exit(2);
        }
        LauncherDiscoveryRequestBuilder req = LauncherDiscoveryRequestBuilder.request();
        Arrays.stream(args).forEach(c -> req.selectors(DiscoverySelectors.selectClass(c)));
        LauncherDiscoveryRequest request = req.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) return;
                String name = id.getUniqueId().replaceAll(".*class:([^\\]]*)\\].*", "$1").replaceAll(".*\\.", "") + "." + id.getDisplayName();
                String why = result.getThrowable().map(t -> " :: " + t.toString().split("\n")[0]).orElse("");
                String status = switch (result.getStatus()) {
                    case SUCCESSFUL -> "PASS ";
                    case ABORTED -> "SKIP "; // an assumption failed, e.g. no CUDA driver
                    case FAILED -> "FAIL ";
                };
                System.out.println(status + name + why);
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIP " + id.getDisplayName() + " :: " + reason);
            }
        };
        launcher.execute(request, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out));
        s.printFailuresTo(new PrintWriter(System.out), 30);
        System.out.flush();
        System.exit(s.getTotalFailureCount() > 0 ? 1 : s.getTestsSucceededCount() == 0 ? 3 : 0);
    }
}
