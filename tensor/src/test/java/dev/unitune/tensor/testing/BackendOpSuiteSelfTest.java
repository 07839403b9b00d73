package dev.unitune.tensor.testing;

import dev.unitune.tensor.*;
import dev.unitune.tensor.cpu.CpuBackend;
import dev.unitune.tensor.cpu.CpuStorage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.*;

/** The suite can fail: a backend whose op is off by 1e-3 in one element is caught for every op family. */
class BackendOpSuiteSelfTest {
    /** The CPU backend, except that method `broken` returns its first output element 1e-3 too large. */
    private static Backend brokenIn(String broken) {
        CpuBackend cpu = CpuBackend.instance();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            Object r = m.invoke(cpu, args);
            if (!m.getName().equals(broken)) return r;
            Tensor t = r instanceof Tensor x ? x : r instanceof NormResult n ? n.output() : r instanceof AttentionResult a ? a.output()
                    : r instanceof NormGrads g ? g.gradInput() : r instanceof AttentionGrads g ? g.gradQ() : ((PoolResult) r).output();
            Object arr = ((CpuStorage) t.storage()).array();
            if (arr instanceof float[] f && f.length > 0) f[t.offset()] += 1e-3f;
            if (arr instanceof double[] d && d.length > 0) d[t.offset()] += 1e-3;
            return r;
        });
    }

    @ParameterizedTest
    @CsvSource({"matmul,matmul", "conv2d,conv2d", "conv2dBackwardWeight,conv2dBackwardWeight", "softmax,softmax", "attention,attention",
            "attentionBackward,attentionBackward", "groupNorm,groupNorm", "layerNormBackward,layerNormBackward", "unary.GELU,unary",
            "reduce.SUM,reduce", "avgPool2d,avgPool2d", "upsampleNearestBackward,upsampleNearestBackward", "scatterAdd,scatterAdd"})
    void perturbedOpIsCaught(String caseName, String method) {
        BackendOpSuite.OpCase c = BackendOpSuite.byName(caseName);
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Backend b = brokenIn(method);
            int caught = 0;
            for (long seed = 1; seed <= 5; seed++) {
                try {
                    c.run(b, dt, seed, 4);
                } catch (AssertionError e) {
                    caught++;
                }
            }
            assertEquals(5, caught, caseName + " " + dt.id() + ": a 1e-3 error in one element must fail every run");
            for (long seed = 1; seed <= 5; seed++) c.run(CpuBackend.instance(), dt, seed, 4); // and the real backend passes
        }
    }
}
