package dev.unitune.model.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.Backends;
import dev.unitune.tensor.BinaryOp;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduler behaviour beyond the golden files: spacings, config defaults, and end-to-end sampling with
 * an oracle model (one that knows the clean sample), which every correct deterministic sampler must
 * reproduce exactly at the end of the schedule.
 */
class SchedulersTest {
    private static final Backend CPU = Backends.cpu();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SchedulerConfig config(String json) throws Exception { return SchedulerConfig.fromJson(JSON.readTree(json), null); }

    // SD 1.5's scheduler_config.json (PNDM), read as other classes like diffusers' from_config.
    private static final String SD15 = "{\"_class_name\":\"PNDMScheduler\",\"beta_end\":0.012,\"beta_schedule\":\"scaled_linear\","
            + "\"beta_start\":0.00085,\"num_train_timesteps\":1000,\"set_alpha_to_one\":false,\"skip_prk_steps\":true,"
            + "\"steps_offset\":1,\"trained_betas\":null,\"clip_sample\":false}";

    @Test
    void spacingsMatchTheReferenceFormulas() {
        assertArrayEquals(new double[]{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, TimestepSpacing.TRAILING.timesteps(1000, 10, 0, true));
        assertArrayEquals(new double[]{999, 666, 333, 0}, TimestepSpacing.LINSPACE.timesteps(1000, 4, 0, true));
        assertArrayEquals(new double[]{751, 501, 251, 1}, TimestepSpacing.LEADING.timesteps(1000, 4, 1, true));
        assertEquals(999 / 19.0 * 18, TimestepSpacing.LINSPACE.timesteps(1000, 20, 0, false)[1], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TimestepSpacing.LEADING.timesteps(1000, 0, 0, true));
    }

    @Test
    void configDefaultsFollowTheSchedulerClass() throws Exception {
        JsonNode sd15 = JSON.readTree(SD15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.fromJson(sd15, null));
        assertTrue(e.getMessage().startsWith("scheduler class 'PNDMScheduler' is not supported"), e.getMessage());
        SchedulerConfig ddim = SchedulerConfig.fromJson(sd15, SchedulerConfig.DDIM);
        SchedulerConfig euler = SchedulerConfig.fromJson(sd15, SchedulerConfig.EULER);
        assertEquals(TimestepSpacing.LEADING, ddim.timestepSpacing());
        assertEquals(TimestepSpacing.LINSPACE, euler.timestepSpacing());
        assertEquals(PredictionType.EPSILON, ddim.predictionType());
        assertTrue(!ddim.clipSample() && !ddim.setAlphaToOne());
        assertEquals(0.00085, ddim.schedule().beta(0), 1e-15);
        assertEquals(0.012, ddim.schedule().beta(999), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> config("{\"_class_name\":\"DDIMScheduler\",\"prediction_type\":\"x0\"}"));
        assertThrows(IllegalArgumentException.class, () -> config("{\"_class_name\":\"DDIMScheduler\",\"beta_schedule\":\"sigmoid\"}"));
    }

    @Test
    void cosineAndZeroSnrSchedules() {
        NoiseSchedule cos = NoiseSchedule.of("squaredcos_cap_v2", 1000, 0, 0);
        for (double b : cos.betas()) assertTrue(b > 0 && b <= 0.999);
        assertTrue(cos.alphaCumprod(999) < 1e-4);
        NoiseSchedule lin = NoiseSchedule.of("scaled_linear", 1000, 0.00085, 0.012);
        NoiseSchedule zero = lin.rescaledToZeroTerminalSnr();
        assertEquals(0, zero.alphaCumprod(999), 1e-15);
        assertEquals(lin.alphaCumprod(0), zero.alphaCumprod(0), 1e-12);
    }

    /** A model that knows x0: it returns the exact epsilon / v / x0 for the current sample. */
    private static Sampler.Denoiser oracle(Scheduler s, int n, Tensor x0, PredictionType type) {
        return (input, t, cond) -> {
            double acp = s.schedule().alphaCumprod((int) Math.round(t));
            boolean euler = s instanceof EulerDiscreteScheduler;
            double sigma = euler ? ((EulerDiscreteScheduler) s).sigmaAt(t) : 0;
            // Undo Euler's input scaling, then express x = a x0 + b eps in VP terms.
            Tensor x = euler ? CPU.binaryScalar(BinaryOp.MUL, input, Math.sqrt(sigma * sigma + 1)) : input;
            double a = euler ? 1 : Math.sqrt(acp), b = euler ? sigma : Math.sqrt(1 - acp);
            Tensor eps = CPU.binaryScalar(BinaryOp.MUL, CPU.binary(BinaryOp.SUB, x, CPU.binaryScalar(BinaryOp.MUL, x0, a)), 1 / b);
            return switch (type) {
                case EPSILON -> eps;
                case SAMPLE -> x0;
                case V_PREDICTION -> TensorMath.axpby(Math.sqrt(acp), eps, -Math.sqrt(1 - acp), x0);
            };
        };
    }

    private static void assertRecovers(String cfgJson, int n, PredictionType type) throws Exception {
        Scheduler s = config(cfgJson).create();
        Tensor x0 = CPU.uniform(DType.F32, 7, 0, -1, 1, 1, 2, 4, 4);
        Sampler sampler = new Sampler(s, oracle(s, n, x0, type));
        Tensor start = sampler.initialNoise(CPU, n, new NoiseSource(3), 1, 2, 4, 4);
        Tensor out = sampler.sample(start, null, null, 1.0, n, 0, 0.0, new NoiseSource(4), null);
        float[] got = out.toFloatArray(), want = x0.toFloatArray();
        // Each step is a float32 affine map of O(1) values with coefficients up to ~15 (sigma_max):
        // a few 1e-6 per step over n steps stays far below 1e-3; any formula error is O(0.1).
        for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-3, cfgJson + " element " + i);
    }

    @Test
    void ddimEulerAndDdpmEndAtTheCleanSampleWithAnOracleModel() throws Exception {
        assertRecovers("{\"_class_name\":\"DDIMScheduler\",\"beta_schedule\":\"scaled_linear\",\"beta_start\":0.00085,\"beta_end\":0.012,"
                + "\"clip_sample\":false,\"set_alpha_to_one\":true,\"timestep_spacing\":\"trailing\"}", 10, PredictionType.EPSILON);
        assertRecovers("{\"_class_name\":\"DDIMScheduler\",\"prediction_type\":\"v_prediction\",\"clip_sample\":false,"
                + "\"set_alpha_to_one\":true}", 25, PredictionType.V_PREDICTION);
        assertRecovers("{\"_class_name\":\"DDIMScheduler\",\"prediction_type\":\"sample\",\"set_alpha_to_one\":true}", 5, PredictionType.SAMPLE);
        assertRecovers("{\"_class_name\":\"EulerDiscreteScheduler\",\"beta_schedule\":\"scaled_linear\",\"beta_start\":0.00085,"
                + "\"beta_end\":0.012}", 30, PredictionType.EPSILON);
        assertRecovers("{\"_class_name\":\"EulerDiscreteScheduler\",\"prediction_type\":\"v_prediction\"}", 30, PredictionType.V_PREDICTION);
        // DDPM adds noise each step, but its posterior mean at the last step (t -> -1, acp_prev = 1) is x0
        // exactly and the noise there has variance 1e-20.
        assertRecovers("{\"_class_name\":\"DDPMScheduler\",\"clip_sample\":false}", 20, PredictionType.EPSILON);
    }

    @Test
    void img2imgFromANoisedStartAlsoEndsAtTheCleanSample() throws Exception {
        Scheduler s = config("{\"_class_name\":\"EulerDiscreteScheduler\"}").create();
        Tensor x0 = CPU.uniform(DType.F32, 9, 0, -1, 1, 2, 3, 4, 4);
        Sampler sampler = new Sampler(s, oracle(s, 20, x0, PredictionType.EPSILON));
        int start = Sampler.startIndexForStrength(20, 0.6);
        assertEquals(8, start);
        Tensor noised = sampler.noisedStart(x0, 20, start, new NoiseSource(5));
        int[] steps = {0};
        Tensor out = sampler.sample(noised, null, null, 1.0, 20, start, 0, new NoiseSource(6), (i, n, t, o) -> steps[0]++);
        assertEquals(12, steps[0]);
        float[] got = out.toFloatArray(), want = x0.toFloatArray();
        for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-3);
    }

    @Test
    void classifierFreeGuidanceCombinesTheTwoBranches() {
        // The model returns its conditioning, so the guided output is uncond + g * (cond - uncond).
        Sampler s = new Sampler(new DdimScheduler(SchedulerConfig.fromJson(JSON.createObjectNode(), null)), (x, t, c) -> c);
        Tensor x = CPU.fill(DType.F32, 0, 2, 3);
        Tensor cond = CPU.fromHost(new float[]{1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        Tensor uncond = CPU.fromHost(new float[]{0, 0, 1, 1, 2, 2}, DType.F32, 2, 3);
        float[] got = s.guidedOutput(x, 500, cond, uncond, 7.5).toFloatArray();
        float[] want = {7.5f, 15f, 16f, 23.5f, 24.5f, 32f};
        assertArrayEquals(want, got, 1e-5f);
        assertArrayEquals(cond.toFloatArray(), s.guidedOutput(x, 500, cond, uncond, 1.0).toFloatArray());
    }

    @Test
    void aNonFiniteModelOutputStopsSamplingWithAClearError() throws Exception {
        Scheduler s = config("{\"_class_name\":\"DDIMScheduler\"}").create();
        Sampler sampler = new Sampler(s, (x, t, c) -> CPU.binaryScalar(BinaryOp.DIV, x, t > 500 ? 1 : 0));
        Tensor start = CPU.fill(DType.F32, 1, 1, 2, 2, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sampler.sample(start, null, null, 1.0, 10, 0, 0, new NoiseSource(1), null));
        assertTrue(e.getMessage().startsWith("sampling step 5 of 10 (timestep 500.0): the model output has Inf"), e.getMessage());
    }

    @Test
    void noiseIsReproducibleFromTheSeedAndAdvances() {
        NoiseSource a = new NoiseSource(42), b = new NoiseSource(42);
        float[] a1 = a.next(CPU, DType.F32, 8).toFloatArray();
        assertArrayEquals(a1, b.next(CPU, DType.F32, 8).toFloatArray());
        assertEquals(8, a.offset());
        assertNotEquals(a1[0], a.next(CPU, DType.F32, 8).toFloatArray()[0]);
        assertArrayEquals(CPU.normal(DType.F32, 42, 8, 0, 1, 8).toFloatArray(), new NoiseSource(42, 8).next(CPU, DType.F32, 8).toFloatArray());
    }

    @Test
    void strengthMapsToAStartIndexLikeTheReference() {
        assertEquals(10, Sampler.startIndexForStrength(50, 0.8));
        assertEquals(0, Sampler.startIndexForStrength(50, 1.0));
        assertEquals(50, Sampler.startIndexForStrength(50, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Sampler.startIndexForStrength(50, 1.5));
    }
}
