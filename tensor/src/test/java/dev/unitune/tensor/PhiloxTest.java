package dev.unitune.tensor;

import dev.unitune.tensor.cpu.CpuBackend;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PhiloxTest {
    private final CpuBackend cpu = CpuBackend.instance();

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(c0, c1, c2, c3, k0, k1, out);
        return out;
    }

    /** Known-answer vectors of philox4x32-10 from Random123's kat_vectors. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[]{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[]{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[]{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void elementDependsOnlyOnSeedAndOffsetPlusIndex() {
        float[] whole = cpu.uniform(DType.F32, 42, 0, 0, 1, 103).toFloatArray();
        float[] tail = cpu.uniform(DType.F32, 42, 37, 0, 1, 66).toFloatArray();
        for (int i = 0; i < 66; i++) assertEquals(whole[37 + i], tail[i], "uniform element " + (37 + i));
        double[] nWhole = cpu.normal(DType.F64, 7, 0, 0, 1, 51).toDoubleArray();
        double[] nTail = cpu.normal(DType.F64, 7, 5, 0, 1, 46).toDoubleArray();
        for (int i = 0; i < 46; i++) assertEquals(nWhole[5 + i], nTail[i], "normal element " + (5 + i));
        // the definition, spelled out: element 6 = block 1, lane 2, 24 high bits
        int[] w = new int[4];
        Philox.blockFor(42, 1, w);
        assertEquals((w[2] >>> 8) * 0x1p-24f, whole[6]);
        assertFalse(java.util.Arrays.equals(whole, cpu.uniform(DType.F32, 43, 0, 0, 1, 103).toFloatArray()));
    }

    @Test
    void uniformHasTheRightMomentsAndPassesKs() {
        int n = 200_000;
        double[] u = cpu.uniform(DType.F64, 1234, 99, -1, 3, n).toDoubleArray();
        double mean = 0, var = 0;
        for (double v : u) { assertTrue(v >= -1 && v < 3); mean += v; }
        mean /= n;
        for (double v : u) var += (v - mean) * (v - mean);
        var /= n - 1;
        // Uniform(-1, 3): mean 1, variance 16/12; standard error of the mean sqrt(var/n) = 0.0026
        assertEquals(1.0, mean, 5 * Math.sqrt(16.0 / 12 / n));
        assertEquals(16.0 / 12, var, 0.02);
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new UniformRealDistribution(-1, 3), u);
        assertTrue(p > 1e-3, "KS p-value " + p);
    }

    @Test
    void normalHasTheRightMomentsAndPassesKs() {
        int n = 200_000;
        double[] z = cpu.normal(DType.F64, 99, 3, 2, 0.5, n).toDoubleArray();
        double mean = 0, var = 0;
        for (double v : z) mean += v;
        mean /= n;
        for (double v : z) var += (v - mean) * (v - mean);
        var /= n - 1;
        assertEquals(2.0, mean, 5 * 0.5 / Math.sqrt(n));
        assertEquals(0.25, var, 5 * 0.25 * Math.sqrt(2.0 / n));
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new NormalDistribution(2, 0.5), z);
        assertTrue(p > 1e-3, "KS p-value " + p);
    }

    @Test
    void f32DrawsAreTheF64DrawsRounded() {
        float[] f = cpu.normal(DType.F32, 5, 0, 0, 1, 64).toFloatArray();
        double[] d = cpu.normal(DType.F64, 5, 0, 0, 1, 64).toDoubleArray();
        for (int i = 0; i < 64; i++) assertEquals((float) d[i], f[i]);
        assertThrows(IllegalArgumentException.class, () -> cpu.uniform(DType.I32, 1, 0, 0, 1, 4));
    }
}
