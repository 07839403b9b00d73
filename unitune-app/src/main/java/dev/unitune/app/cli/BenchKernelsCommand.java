package dev.unitune.app.cli;

import dev.unitune.bench.KernelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** `unitune bench kernels`: SGEMM and conv2d GFLOPS against numpy and PyTorch CPU, interleaved in one run. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = {"SGEMM (1024^3, 2048^3, UNet shapes) and 3x3 conv2d (UNet shapes) against numpy/OpenBLAS "
                + "and PyTorch CPU (oneDNN) at the same thread count; ours and the peer's runs alternate over "
                + "several rounds, best time of each side.",
                "Sizes: sgemm MxNxK. Ratio = our GFLOPS / peer GFLOPS (> 1: we are faster)."})
public final class BenchKernelsCommand implements Callable<Integer> {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows {case, gflops, peer, peer_gflops, ratio} as JSON.")
    Path json;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Interleaved rounds per case (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
            description = "Threads for our kernels and the peers alike (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--quick", description = "One round, two repetitions, one warm-up call: checks the plumbing, not the speed.")
    boolean quick;

    @Option(names = "--case", paramLabel = "TEXT", description = "Only cases whose name contains TEXT (e.g. 1024x1024, conv2d).")
    String filter;

    @Option(names = "--numpy-python", paramLabel = "PYTHON", defaultValue = "python3",
            description = "Interpreter with numpy 2.x and its bundled OpenBLAS (default ${DEFAULT-VALUE} from PATH).")
    String numpyPython;

    @Option(names = "--torch-python", paramLabel = "PYTHON", split = ",", defaultValue = "/usr/bin/python3,python3",
            description = "Interpreters to try for PyTorch, in order (default ${DEFAULT-VALUE}).")
    List<String> torchPython;

    @Override
    public Integer call() throws Exception {
        KernelBench.run(new KernelBench.Options(json, quick ? 1 : rounds, threads, quick, filter, numpyPython, torchPython, System.out));
        return 0;
    }
}
