package dev.unitune.tensor.cpu;

import dev.unitune.tensor.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-computed small cases for the basic ops (the property suite covers the general case). */
class CpuBackendSmokeTest {
    private final CpuBackend cpu = CpuBackend.instance();

    @Test
    void fromHostToHostRoundTripsEveryDtype() {
        assertArrayEquals(new float[]{1, 2, 3}, (float[]) cpu.toHost(cpu.fromHost(new float[]{1, 2, 3}, DType.F32, 3)));
        assertArrayEquals(new double[]{1, 2}, (double[]) cpu.toHost(cpu.fromHost(new double[]{1, 2}, DType.F64, 2)));
        assertArrayEquals(new long[]{5, -7}, (long[]) cpu.toHost(cpu.fromHost(new long[]{5, -7}, DType.I64, 2)));
        assertArrayEquals(new int[]{5, -7}, (int[]) cpu.toHost(cpu.fromHost(new int[]{5, -7}, DType.I32, 2)));
        assertArrayEquals(new byte[]{1, 0, 1}, (byte[]) cpu.toHost(cpu.fromHost(new byte[]{3, 0, 1}, DType.BOOL, 3)));
        short[] h = {Half.floatToF16(1.5f), Half.floatToF16(-2f)};
        assertArrayEquals(h, (short[]) cpu.toHost(cpu.fromHost(h, DType.F16, 2)));
    }

    @Test
    void addBroadcastsAndMatmulMultiplies() {
        Tensor a = cpu.fromHost(new float[]{1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        Tensor b = cpu.fromHost(new float[]{10, 20, 30}, DType.F32, 3);
        assertArrayEquals(new float[]{11, 22, 33, 14, 25, 36}, cpu.binary(BinaryOp.ADD, a, b).toFloatArray());
        Tensor m = cpu.matmul(a, a, false, true); // [2,3] x [3,2]
        assertArrayEquals(new float[]{14, 32, 32, 77}, m.toFloatArray());
        Tensor mt = cpu.matmul(a.transpose(0, 1), a.transpose(0, 1), true, false); // a a^T again via views
        assertArrayEquals(new float[]{14, 32, 32, 77}, mt.toFloatArray());
        Tensor m64 = cpu.matmul(a.to(DType.F64), a.to(DType.F64), false, true);
        assertArrayEquals(new double[]{14, 32, 32, 77}, m64.toDoubleArray());
    }

    @Test
    void reductions() {
        Tensor a = cpu.fromHost(new float[]{1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        assertArrayEquals(new float[]{6, 15}, cpu.reduce(ReduceOp.SUM, a, new int[]{1}, false).toFloatArray());
        assertArrayEquals(new float[]{4, 5, 6}, cpu.reduce(ReduceOp.MAX, a, new int[]{0}, false).toFloatArray());
        assertEquals(21, cpu.reduce(ReduceOp.SUM, a, new int[0], false).item());
        assertArrayEquals(new long[]{2, 2}, (long[]) cpu.toHost(cpu.argmax(a, 1, false)));
        assertArrayEquals(new float[]{1, 1}, cpu.variance(a, new int[]{1}, 1, false).toFloatArray());
    }

    @Test
    void padCropsWithNegativePadsAndCreationOpsCheckValues() {
        Tensor x = cpu.fromHost(new float[]{1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        assertArrayEquals(new float[]{2, 3, 9, 5, 6, 9}, cpu.pad(x, new int[]{-1, 1}, 9).toFloatArray(), "torch.nn.functional.pad(x, (-1, 1), value=9)");
        assertArrayEquals(new float[]{0, 0, 0, 0, 0, 0, 1, 2, 3, 0}, cpu.pad(x.narrow(0, 0, 1), new int[]{1, 1, 1, 0}, 0).toFloatArray());
        assertArrayEquals(new long[]{3, 5, 7}, (long[]) cpu.toHost(cpu.arange(DType.I64, 3, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> cpu.fill(DType.I32, 0.5, 2));
        assertArrayEquals(new float[]{0.5f, 0.5f}, cpu.fill(DType.F32, 0.5, 2).toFloatArray());
        assertEquals(0, cpu.empty(DType.F64, 0, 3).numel());
    }

    @Test
    void boolMaskMeansAttendAndFullyMaskedRowsGiveZeros() {
        Tensor q = cpu.normal(DType.F32, 1, 0, 0, 1, 1, 1, 3, 4), k = cpu.normal(DType.F32, 2, 0, 0, 1, 1, 1, 2, 4);
        Tensor v = cpu.normal(DType.F32, 3, 0, 0, 1, 1, 1, 2, 4);
        Tensor boolMask = cpu.fromHost(new byte[]{1, 0, 0, 0, 1, 1}, DType.BOOL, 3, 2);
        Tensor addMask = cpu.fromHost(new float[]{0, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 0, 0}, DType.F32, 3, 2);
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            AttentionResult a = cpu.attention(q.to(dt), k.to(dt), v.to(dt), boolMask, 0.5, false);
            AttentionResult b = cpu.attention(q.to(dt), k.to(dt), v.to(dt), addMask, 0.5, false);
            assertArrayEquals(b.output().toFloatArray(), a.output().toFloatArray());
            float[] out = a.output().toFloatArray();
            float[] v0 = java.util.Arrays.copyOfRange(v.toFloatArray(), 0, 4);
            assertArrayEquals(v0, java.util.Arrays.copyOfRange(out, 0, 4), 1e-6f, "row 0 sees only key 0");
            assertArrayEquals(new float[4], java.util.Arrays.copyOfRange(out, 4, 8), "row 1 sees nothing: zeros");
            assertEquals(Double.NEGATIVE_INFINITY, a.logSumExp().toDoubleArray()[1]);
        }
    }

    @Test
    void foreignStorageIsRejected() {
        Backend other = new Backend() {
            public String name() { return "fake"; }
            public String description() { return "fake"; }
            public Tensor empty(DType d, int... s) { return null; }
            public Tensor fromHost(Object a, DType d, int... s) { return null; }
            public Object toHost(Tensor t) { return null; }
            public Tensor fill(DType d, double v, int... s) { return null; }
            public Tensor arange(DType d, double s, double st, int n) { return null; }
            public Tensor copy(Tensor x) { return null; }
            public Tensor cast(Tensor x, DType d) { return null; }
            public Tensor unary(UnaryOp op, Tensor x) { return null; }
            public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return null; }
            public Tensor binaryScalar(BinaryOp op, Tensor x, double s) { return null; }
            public Tensor where(Tensor c, Tensor a, Tensor b) { return null; }
            public Tensor clamp(Tensor x, double lo, double hi) { return null; }
            public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean k) { return null; }
            public Tensor argmax(Tensor x, int axis, boolean k) { return null; }
            public Tensor variance(Tensor x, int[] axes, int c, boolean k) { return null; }
            public Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) { return null; }
            public Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dSpec s) { return null; }
            public Tensor conv2dBackwardInput(Tensor g, Tensor w, int[] is, Conv2dSpec s) { return null; }
            public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int[] ws, Conv2dSpec s) { return null; }
            public Tensor softmax(Tensor x, int a) { return null; }
            public Tensor logSoftmax(Tensor x, int a) { return null; }
            public Tensor softmaxBackward(Tensor y, Tensor g, int a) { return null; }
            public Tensor logSoftmaxBackward(Tensor y, Tensor g, int a) { return null; }
            public NormResult groupNorm(Tensor x, Tensor w, Tensor b, int g, double e) { return null; }
            public NormGrads groupNormBackward(Tensor go, Tensor x, Tensor m, Tensor r, Tensor w, int g) { return null; }
            public NormResult layerNorm(Tensor x, int n, Tensor w, Tensor b, double e) { return null; }
            public NormGrads layerNormBackward(Tensor go, Tensor x, Tensor m, Tensor r, Tensor w, int n) { return null; }
            public AttentionResult attention(Tensor q, Tensor k, Tensor v, Tensor m, double s, boolean c) { return null; }
            public AttentionGrads attentionBackward(Tensor g, Tensor q, Tensor k, Tensor v, Tensor o, Tensor l, Tensor m, double s, boolean c) { return null; }
            public Tensor upsampleNearest(Tensor x, int fh, int fw) { return null; }
            public Tensor upsampleNearestBackward(Tensor g, int fh, int fw) { return null; }
            public Tensor avgPool2d(Tensor x, Pool2dSpec s) { return null; }
            public Tensor avgPool2dBackward(Tensor g, int[] is, Pool2dSpec s) { return null; }
            public PoolResult maxPool2d(Tensor x, Pool2dSpec s) { return null; }
            public Tensor maxPool2dBackward(Tensor g, Tensor i, int[] is, Pool2dSpec s) { return null; }
            public Tensor indexSelect(Tensor x, int a, Tensor i) { return null; }
            public Tensor indexAdd(Tensor t, int a, Tensor i, Tensor s) { return null; }
            public Tensor gather(Tensor x, int a, Tensor i) { return null; }
            public Tensor scatterAdd(Tensor t, int a, Tensor i, Tensor s) { return null; }
            public Tensor concat(java.util.List<Tensor> p, int a) { return null; }
            public Tensor pad(Tensor x, int[] p, double v) { return null; }
            public Tensor uniform(DType d, long s, long o, double lo, double hi, int... sh) { return null; }
            public Tensor normal(DType d, long s, long o, double m, double sd, int... sh) { return null; }
        };
        Storage foreign = new Storage(other, DType.F32, 4) { protected void release() {} };
        Tensor t = Tensor.contiguousOver(foreign, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.unary(UnaryOp.EXP, t));
        assertTrue(e.getMessage().contains("fake") && e.getMessage().contains("cpu"), e.getMessage());
    }
}
