package dev.unitune.autograd.nn;

import dev.unitune.autograd.F;
import dev.unitune.autograd.GradCheck;
import dev.unitune.autograd.Generator;
import dev.unitune.autograd.NoGrad;
import dev.unitune.autograd.TestTensors;
import dev.unitune.autograd.Var;
import dev.unitune.tensor.Conv2dSpec;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LayersTest {
    private static Var rand(Random r, int... shape) { return Var.constant(TestTensors.randF64(r, -1, 1, shape)); }

    private static <M extends Module> M f64(M m) {
        m.to(DType.F64);
        return m;
    }

    @Test
    void attentionNamingSchemes() {
        MultiHeadAttention d = new MultiHeadAttention(8, 6, 2, 4, false, MultiHeadAttention.Naming.DIFFUSERS);
        assertEquals(List.of("to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight", "to_out.0.bias"),
                List.copyOf(d.namedParameters().keySet()));
        assertArrayEquals(new int[]{8, 6}, d.stateDict().get("to_k.weight").shape());
        MultiHeadAttention c = new MultiHeadAttention(8, 8, 2, 4, true, MultiHeadAttention.Naming.CLIP);
        assertEquals(List.of("k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias", "q_proj.weight", "q_proj.bias",
                "out_proj.weight", "out_proj.bias"), List.copyOf(c.namedParameters().keySet()));
    }

    /** The module equals the same computation written with explicit per-head loops of matmul + softmax. */
    @Test
    void attentionMatchesAHandWrittenReference() {
        Random r = new Random(3);
        MultiHeadAttention attn = f64(new MultiHeadAttention(6, 5, 2, 3, true, MultiHeadAttention.Naming.DIFFUSERS));
        Var x = rand(r, 2, 4, 6), ctx = rand(r, 2, 3, 5);
        for (boolean causal : new boolean[]{false, true}) {
            Var y = attn.forward(x, ctx, null, causal);
            Var q = attn.query().forward(x), k = attn.key().forward(ctx), v = attn.value().forward(ctx);
            Var[] heads = new Var[2];
            for (int h = 0; h < 2; h++) {
                Var qh = F.narrow(q, 2, 3 * h, 3), kh = F.narrow(k, 2, 3 * h, 3), vh = F.narrow(v, 2, 3 * h, 3);
                Var s = F.mul(F.matmul(qh, kh, false, true), 1 / Math.sqrt(3));
                if (causal) {
                    double[] m = new double[4 * 3];
                    for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) m[i * 3 + j] = j > i ? Double.NEGATIVE_INFINITY : 0;
                    s = F.add(s, Var.constant(TestTensors.f64(m, 4, 3)));
                }
                heads[h] = F.matmul(F.softmax(s, -1), vh);
            }
            Var ref = attn.output().forward(F.concat(2, heads));
            // both paths are double precision; 1e-12 covers summation-order differences on O(1) values
            assertTrue(TestTensors.maxAbsDiff(y.tensor(), ref.tensor()) < 1e-12, "causal=" + causal);
        }
    }

    /** Gradients through whole layers (inputs and every parameter) against finite differences, in F64. */
    @Test
    void layerGradientsMatchFiniteDifferences() {
        Random r = new Random(12);
        MultiHeadAttention attn = f64(new MultiHeadAttention(4, 3, 2, 2, true, MultiHeadAttention.Naming.CLIP));
        Downsample2D vae = f64(new Downsample2D(2, true, 2, 0));
        Upsample2D up = f64(new Upsample2D(2, true, 2));
        LayerNorm ln = f64(new LayerNorm(4, 1e-5));
        checkLayer("attention", attn, v -> attn.forward(v[0], v[1], null, true), TestTensors.randF64(r, -1, 1, 2, 3, 4), TestTensors.randF64(r, -1, 1, 2, 2, 3));
        checkLayer("downsample_vae", vae, v -> vae.forward(v[0]), TestTensors.randF64(r, -1, 1, 1, 2, 5, 4));
        checkLayer("upsample", up, v -> up.forward(v[0]), TestTensors.randF64(r, -1, 1, 1, 2, 2, 3));
        checkLayer("layer_norm", ln, v -> ln.forward(v[0]), TestTensors.randF64(r, -1, 1, 3, 4));
        // LoRA adapters with a nonzero B (a fresh B is zero, which would leave A's gradient trivially zero)
        Conv2d conv = f64(new Conv2d(2, 3, 3, 2, 1));
        conv.attachLora(2, 3.0, new Generator(4));
        Linear lin = f64(new Linear(3, 2));
        lin.attachLora(1, 2.0, new Generator(5));
        for (Module m : List.<Module>of(conv, lin))
            m.namedParameters().forEach((k, p) -> { if (k.startsWith("lora_B")) p.assign(TestTensors.randF64(r, -1, 1, p.shape())); });
        checkLayer("conv_lora", conv, v -> conv.forward(v[0]), TestTensors.randF64(r, -1, 1, 1, 2, 5, 5));
        checkLayer("linear_lora", lin, v -> lin.forward(v[0]), TestTensors.randF64(r, -1, 1, 2, 3));
    }

    private static void checkLayer(String name, Module m, java.util.function.Function<Var[], Var> f, Tensor... inputs) {
        GradCheck.Result res = GradCheck.checkWithParams(name, m.parameters(), f, inputs);
        assertTrue(res.worstRatio() <= 1, name + ": " + res.where());
    }

    @Test
    void upAndDownsampleFollowDiffusers() {
        Random r = new Random(4);
        Upsample2D up = f64(new Upsample2D(3, true, 5));
        assertEquals(List.of("conv.weight", "conv.bias"), List.copyOf(up.namedParameters().keySet()));
        Var x = rand(r, 1, 3, 4, 5);
        Var y = up.forward(x);
        assertArrayEquals(new int[]{1, 5, 8, 10}, y.shape());
        Conv2d upConv = (Conv2d) up.module("conv");
        Var ref = F.conv2d(F.upsampleNearest(x, 2, 2), upConv.weight(), upConv.bias(), Conv2dSpec.of(1, 1));
        assertEquals(0, TestTensors.maxAbsDiff(y.tensor(), ref.tensor()));

        // UNet form: stride-2 conv with padding 1
        Downsample2D down = f64(new Downsample2D(3, true, 3, 1));
        assertArrayEquals(new int[]{1, 3, 2, 3}, down.forward(x).shape());
        // VAE form: pad right/bottom by one, then stride-2 conv without padding
        Downsample2D vae = f64(new Downsample2D(3, true, 3, 0));
        Conv2d c = (Conv2d) vae.module("conv");
        Var x8 = rand(r, 1, 3, 8, 8);
        Var yv = vae.forward(x8);
        assertArrayEquals(new int[]{1, 3, 4, 4}, yv.shape());
        Var refV = F.conv2d(F.pad(x8, new int[]{0, 1, 0, 1}, 0), c.weight(), c.bias(), Conv2dSpec.of(2, 0));
        assertEquals(0, TestTensors.maxAbsDiff(yv.tensor(), refV.tensor()));
        // no conv: 2x2 average pooling
        Downsample2D pool = new Downsample2D(3, false, 3, 0);
        assertTrue(pool.namedParameters().isEmpty());
        assertArrayEquals(new int[]{1, 3, 4, 4}, pool.forward(x8).shape());
    }

    @Test
    void dropoutIsIdentityInEvalAndScalesInTraining() {
        Dropout d = new Dropout(0.25);
        Var x = Var.constant(TestTensors.cpu().fill(DType.F64, 1, 400, 100));
        Generator.manualSeed(9);
        double[] y = d.forward(x).tensor().toDoubleArray();
        int zeros = 0;
        for (double v : y) {
            if (v == 0) zeros++;
            else assertEquals(1 / 0.75, v, 1e-12);
        }
        // 40000 Bernoulli(0.25) draws: standard deviation ~87, allow 5 sigma
        assertEquals(10000, zeros, 440);
        d.eval();
        assertSame(x, d.forward(x));
    }

    @Test
    void layersValidateShapes() {
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4, 1e-5));
        GroupNorm gn = new GroupNorm(2, 4, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> gn.forward(Var.constant(TestTensors.cpu().fill(DType.F32, 0, 1, 6, 2, 2))));
        LayerNorm ln = new LayerNorm(8, 1e-5);
        assertThrows(IllegalArgumentException.class, () -> ln.forward(Var.constant(TestTensors.cpu().fill(DType.F32, 0, 2, 7))));
        Linear lin = new Linear(3, 2);
        assertThrows(IllegalArgumentException.class, () -> lin.forward(Var.constant(TestTensors.cpu().fill(DType.F32, 0, 2, 4))));
        assertThrows(IllegalArgumentException.class, () -> Activation.byName("swishy"));
        assertEquals(dev.unitune.tensor.UnaryOp.GELU_TANH, Activation.byName("gelu_pytorch_tanh").op());
    }

    @Test
    void sequentialAndEmbedding() {
        Sequential s = new Sequential(new Linear(4, 3), Activation.silu(), new Linear(3, 2));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(s.namedParameters().keySet()));
        assertArrayEquals(new int[]{5, 2}, s.forward(Var.constant(TestTensors.cpu().fill(DType.F32, 0.5, 5, 4))).shape());
        Embedding e = new Embedding(10, 3);
        Tensor ids = TestTensors.i64(new long[]{1, 9, 1, 0}, 2, 2);
        Var y = e.forward(ids);
        assertArrayEquals(new int[]{2, 2, 3}, y.shape());
        F.sum(y).backward();
        float[] g = e.weight().grad().toFloatArray();
        assertEquals(2, g[3], 0); // id 1 used twice
        assertEquals(0, g[6], 0); // id 2 unused
        try (NoGrad ng = NoGrad.enter()) {
            assertFalse(e.forward(ids).requiresGrad());
        }
    }
}
