package dev.unitune.app.cli;

import dev.unitune.model.golden.GoldenCheck;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** `unitune weights golden-check FILE...`: recompute reference outputs and compare them. */
@Command(name = "golden-check", mixinStandardHelpOptions = true,
        description = {"Recomputes the outputs of golden files (reference runs of diffusers/transformers/torchvision,",
                "format in the golden README: __metadata__.kind/config, weights.*, input.*, output.*) and prints, per",
                "output, the max absolute error, the max error relative to the largest expected value and PASS/FAIL",
                "against a tolerance: the file's recommended_tolerance, else its fp64_check, else a float32 default.",
                "Integer outputs must match exactly. clip_tokenizer JSON case files are checked too.",
                "Exit status 0 only if every output of every file passes."})
public final class GoldenCheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Golden .safetensors files or clip_tokenizer .json files.")
    List<Path> files;

    @Option(names = "--tol", paramLabel = "X", description = "One absolute tolerance for every float output (overrides the files').")
    Double tol;

    @Option(names = "--backend", paramLabel = "NAME", description = "cpu, opencl, cuda or auto (default: --backend, -Dunitune.backend, UNITUNE_BACKEND, auto).")
    String backend;

    @Option(names = "--allow-skip", description = "Do not fail on outputs the runner does not compute (reported as SKIP).")
    boolean allowSkip;

    @Override
    public Integer call() {
        if (tol != null && !(tol >= 0)) throw new IllegalArgumentException("--tol " + tol + " must be a non-negative number");
        for (Path f : files)
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException("golden file " + f + " does not exist or is not a file");
        Backend be = Backends.select(backend);
        System.out.println("golden-check on backend " + be.name() + " (" + be.description() + ")"
                + (tol != null ? ", tolerance " + tol + " for every float output" : ""));
        GoldenCheck check = new GoldenCheck(be, tol);
        List<GoldenCheck.FileResult> results = new ArrayList<>();
        for (Path f : files) {
            GoldenCheck.FileResult r = check.check(f);
            results.add(r);
            System.out.print(GoldenCheck.table(List.of(r), allowSkip));
            System.out.flush();
        }
        long passed = results.stream().filter(r -> r.passed(allowSkip)).count();
        System.out.println(passed == results.size() ? "ALL PASS (" + passed + " files)"
                : "FAILED: " + (results.size() - passed) + " of " + results.size() + " files");
        return passed == results.size() ? 0 : 1;
    }
}
