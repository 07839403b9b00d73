package dev.unitune.autograd.bench;

import dev.unitune.autograd.Checkpoint;
import dev.unitune.autograd.Engine;
import dev.unitune.autograd.F;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.MemoryScope;
import dev.unitune.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Figures for BENCHMARKS.md (not run by the tests):
 * <ol>
 *   <li>backward / forward time of conv2d, attention and group norm at SD-1.x UNet shapes;</li>
 *   <li>memory of a plain vs a checkpointed backward through 8 ResNet blocks.</li>
 * </ol>
 * Usage: {@code java --add-modules jdk.incubator.vector -cp <autograd + tensor classes> dev.unitune.autograd.bench.AutogradBench
 * [--backend cpu|opencl|cuda] [--latent 32] [--channels 320] [--reps 3]}. The latent side 32 is a 256x256 image
 * (64 for 512x512). Memory is live Java heap (retained after a full GC, relative to before the forward): what
 * the graph holds once the forward pass is done, and the peak over probes taken after every backward node
 * (a separate, untimed pass; {@link Engine#setProbe}). Device backends also report allocatedBytes() after forward.
 */
public final class AutogradBench {
    private AutogradBench() {}

    public static void main(String[] args) {
        String backendName = arg(args, "--backend", "cpu");
        int latent = Integer.parseInt(arg(args, "--latent", "32"));
        int channels = Integer.parseInt(arg(args, "--channels", "320"));
        int reps = Integer.parseInt(arg(args, "--reps", "3"));
        Backend be = Backends.select(backendName);
        System.out.printf(Locale.ROOT, "AutogradBench on %s (%s), latent %dx%d, %d channels, median of %d%n",
                be.name(), be.description(), latent, latent, channels, reps);
        opRatios(be, latent, channels, reps);
        checkpointMemory(be, latent, channels / 2);
    }

    // ---- 1. backward / forward ratios -------------------------------------------------------------------

    private static void opRatios(Backend be, int latent, int ch, int reps) {
        Generator g = new Generator(1);
        int n = 2;
        Var x = Var.leaf(rand(be, g, n, ch, latent, latent));
        Var w = Var.leaf(rand(be, g, ch, ch, 3, 3));
        Var b = Var.leaf(rand(be, g, ch));
        ratio("conv2d 3x3 " + Arrays.toString(x.shape()) + " -> " + ch, reps, () -> F.conv2d(x, w, b, Conv2dSpec.of(1, 1)), x, w, b);

        Var gw = Var.leaf(rand(be, g, ch)), gb = Var.leaf(rand(be, g, ch));
        ratio("group_norm 32 groups " + Arrays.toString(x.shape()), reps, () -> F.groupNorm(x, 32, gw, gb, 1e-5), x, gw, gb);

        int heads = 8, seq = latent * latent, d = ch / heads;
        Var q = Var.leaf(rand(be, g, n, heads, seq, d)), k = Var.leaf(rand(be, g, n, heads, seq, d)), v = Var.leaf(rand(be, g, n, heads, seq, d));
        ratio("self-attention " + Arrays.toString(q.shape()), reps, () -> F.attention(q, k, v, null, false), q, k, v);
        Var kc = Var.leaf(rand(be, g, n, heads, 77, d)), vc = Var.leaf(rand(be, g, n, heads, 77, d));
        ratio("cross-attention q " + Arrays.toString(q.shape()) + " kv 77", reps, () -> F.attention(q, kc, vc, null, false), q, kc, vc);
    }

    private static void ratio(String what, int reps, Supplier<Var> forward, Var... leaves) {
        double[] fwd = new double[reps], bwd = new double[reps];
        for (int r = -1; r < reps; r++) { // r = -1 warms up
            try (MemoryScope scope = MemoryScope.open()) { // device backends free each repetition's tensors
                for (Var l : leaves) l.zeroGrad();
                long t0 = System.nanoTime();
                Var y = forward.get();
                y.backend().synchronize();
                long t1 = System.nanoTime();
                Tensor up = y.backend().fill(y.dtype(), 1.0, y.shape());
                y.backend().synchronize();
                long t2 = System.nanoTime();
                y.backward(up);
                y.backend().synchronize();
                long t3 = System.nanoTime();
                if (r >= 0) {
                    fwd[r] = (t1 - t0) / 1e6;
                    bwd[r] = (t3 - t2) / 1e6;
                }
            }
        }
        double f = median(fwd), b = median(bwd);
        System.out.printf(Locale.ROOT, "  %-60s forward %9.1f ms  backward %9.1f ms  ratio %.2f%n", what, f, b, b / f);
    }

    // ---- 2. checkpointing memory --------------------------------------------------------------------------

    /** ResNet block without time embedding (two GN-SiLU-conv3x3 with a residual). */
    private static final class Block extends Module {
        final GroupNorm n1, n2;
        final Conv2d c1, c2;

        Block(int ch) {
            n1 = registerModule("norm1", new GroupNorm(32, ch, 1e-5));
            c1 = registerModule("conv1", new Conv2d(ch, ch, 3, 1, 1));
            n2 = registerModule("norm2", new GroupNorm(32, ch, 1e-5));
            c2 = registerModule("conv2", new Conv2d(ch, ch, 3, 1, 1));
        }

        @Override
        public Var forward(Var x) {
            Var h = c1.forward(F.silu(n1.forward(x)));
            return F.add(x, c2.forward(F.silu(n2.forward(h))));
        }
    }

    private static void checkpointMemory(Backend be, int latent, int ch) {
        ModuleList<Block> blocks;
        try (InitContext c = InitContext.open(be, DType.F32, new Generator(2), true)) {
            blocks = new ModuleList<>();
            for (int i = 0; i < 8; i++) blocks.add(new Block(ch));
        }
        Tensor input = rand(be, new Generator(3), 2, ch, latent, latent);
        System.out.printf(Locale.ROOT, "8 ResNet blocks, input [2, %d, %d, %d] (%.1f MB per activation)%n", ch, latent, latent, input.numel() * 4 / 1e6);
        for (boolean ckpt : new boolean[]{false, true, false, true}) { // twice each: the first pair warms up
            long held, devAfterForward, fwdNs, bwdNs;
            long[] livePeak = new long[1];
            // each pass in its own scope, so device backends free everything it allocated (no-op on the CPU)
            try (MemoryScope scope = MemoryScope.open()) {
                blocks.zeroGrad();
                long base = retainedHeap();
                long dev0 = be.allocatedBytes();
                long t0 = System.nanoTime();
                Var loss = run(blocks, input, ckpt);
                be.synchronize();
                long t1 = System.nanoTime();
                devAfterForward = be.allocatedBytes() - dev0;
                held = retainedHeap() - base;
                long t2 = System.nanoTime();
                loss.backward();
                be.synchronize();
                fwdNs = t1 - t0;
                bwdNs = System.nanoTime() - t2;
            }
            // a second, untimed pass with a probe after every backward node: device bytes, or live heap after GC
            try (MemoryScope scope = MemoryScope.open()) {
                blocks.zeroGrad();
                boolean device = be.allocatedBytes() > 0;
                long base = device ? be.allocatedBytes() : retainedHeap();
                Var loss = run(blocks, input, ckpt);
                livePeak[0] = (device ? be.allocatedBytes() : retainedHeap()) - base;
                Engine.setProbe(node -> livePeak[0] = Math.max(livePeak[0], (device ? be.allocatedBytes() : retainedHeap()) - base));
                try {
                    loss.backward();
                } finally {
                    Engine.setProbe(null);
                }
            }
            System.out.printf(Locale.ROOT, "  %-13s held by the graph after forward %8.1f MB, live peak during backward %8.1f MB%s, forward %7.0f ms, backward %7.0f ms%n",
                    ckpt ? "checkpointed" : "plain", held / 1e6, livePeak[0] / 1e6,
                    devAfterForward > 0 ? String.format(Locale.ROOT, ", device after forward %.1f MB", devAfterForward / 1e6) : "",
                    fwdNs / 1e6, bwdNs / 1e6);
        }
    }

    private static Var run(ModuleList<Block> blocks, Tensor input, boolean ckpt) {
        Var h = Var.constant(input);
        for (Block b : blocks) h = ckpt ? Checkpoint.run(in -> b.forward(in[0]), h) : b.forward(h);
        return F.mean(F.square(h));
    }

    private static long retainedHeap() {
        for (int i = 0; i < 3; i++) System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static Tensor rand(Backend be, Generator g, int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return be.uniform(DType.F32, g.seed(), g.take(n), -1, 1, shape);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return args[i + 1];
        return dflt;
    }
}
