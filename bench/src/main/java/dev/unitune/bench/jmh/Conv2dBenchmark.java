package dev.unitune.bench.jmh;

import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.cpu.fast.FastConv2d;
import org.openjdk.jmh.annotations.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * JMH micro-benchmark of our 3x3 pad-1 conv2d forward at the UNet shapes, (1, C, H, H) -> C.
 * Run: java --add-modules jdk.incubator.vector -cp unitune-app/target/unitune.jar org.openjdk.jmh.Main Conv2dBenchmark
 * Direct-convolution GFLOPS = 2 C C 9 H H / (ms per op * 1e6).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class Conv2dBenchmark {
    @Param({"320x64", "640x32", "1280x16", "64x64"})
    public String shape;

    private int c, h;
    private float[] x, weight, bias;
    private final Conv2dSpec spec = Conv2dSpec.of(1, 1);

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        c = Integer.parseInt(p[0]);
        h = Integer.parseInt(p[1]);
        SplittableRandom rnd = new SplittableRandom(2);
        x = new float[c * h * h];
        weight = new float[c * c * 9];
        bias = new float[c];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble();
        for (int i = 0; i < weight.length; i++) weight[i] = (float) (rnd.nextDouble() * 0.01);
    }

    @Benchmark
    public float[] forward() {
        return FastConv2d.forward(x, 1, c, h, h, weight, c, 3, 3, bias, spec);
    }
}
