package dev.unitune.bench.jmh;

import dev.unitune.tensor.cpu.fast.Sgemm;
import org.openjdk.jmh.annotations.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * JMH micro-benchmark of our SGEMM on the shapes of `unitune bench kernels` (M x N x K).
 * Run: java --add-modules jdk.incubator.vector -cp unitune-app/target/unitune.jar org.openjdk.jmh.Main SgemmBenchmark
 * GFLOPS = 2 M N K / (ms per op * 1e6).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class SgemmBenchmark {
    @Param({"1024x1024x1024", "4096x320x320", "1024x640x640", "4096x320x1280"})
    public String shape;

    private int m, n, k;
    private float[] a, b, c;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        n = Integer.parseInt(p[1]);
        k = Integer.parseInt(p[2]);
        SplittableRandom rnd = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble();
    }

    @Benchmark
    public float[] gemm() {
        Sgemm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }
}
