package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unitune.model.schedulers.DdimScheduler;
import dev.unitune.model.schedulers.DdpmScheduler;
import dev.unitune.model.schedulers.EulerDiscreteScheduler;
import dev.unitune.model.schedulers.Scheduler;
import dev.unitune.model.schedulers.SchedulerConfig;
import dev.unitune.model.schedulers.StepOutput;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recomputes scheduler golden files from their diffusers config: tables, timesteps (every timesteps_N
 * output), add_noise / velocity, and the single steps the output names describe (step_t{T}_eta{E}.* for
 * DDIM, step_t{T}.* for DDPM, step{i}.* for Euler) at the step count the notes give in
 * "set_timesteps(N)"; Euler's "leading.*" outputs use timestep_spacing leading with steps_offset 1.
 */
public final class SchedulerGoldenRunner implements GoldenRunner {
    private static final Pattern SET_TIMESTEPS = Pattern.compile("set_timesteps\\((\\d+)\\)");
    private static final Pattern TIMESTEPS = Pattern.compile("(?:leading\\.)?timesteps_(\\d+)");
    private static final Pattern DDIM_STEP = Pattern.compile("step_t(\\d+)_eta([0-9.]+)\\.(prev_sample|pred_original_sample)");
    private static final Pattern DDPM_STEP = Pattern.compile("step_t(\\d+)\\.(prev_sample|pred_original_sample|prev_sample_mean|variance)");
    private static final Pattern EULER_STEP = Pattern.compile("step(\\d+)\\.(scale_model_input|prev_sample|pred_original_sample)");
    private static final Pattern EULER_TABLE = Pattern.compile("(leading\\.)?(sigmas|init_noise_sigma)_(\\d+)");

    @Override
    public Set<String> kinds() { return Set.of("scheduler"); }

    @Override
    public Map<String, Tensor> run(GoldenCase golden, Backend backend) {
        SchedulerConfig cfg = SchedulerConfig.fromJson(golden.config(), null);
        Scheduler sched = cfg.create();
        ObjectNode leadingJson = ((ObjectNode) golden.config().deepCopy()).put("timestep_spacing", "leading").put("steps_offset", 1);
        Scheduler leading = SchedulerConfig.fromJson(leadingJson, null).create();
        Matcher sm = SET_TIMESTEPS.matcher(golden.metadata().getOrDefault("notes", ""));
        int n = sm.find() ? Integer.parseInt(sm.group(1)) : -1;

        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : golden.namesUnder("output.")) {
            Matcher m;
            Tensor t = null;
            if (name.equals("betas")) t = f32(backend, cfg.schedule().betas());
            else if (name.equals("alphas_cumprod")) t = f32(backend, cfg.schedule().alphasCumprod());
            else if (name.equals("alphas_cumprod_fp64")) t = backend.fromHost(cfg.schedule().alphasCumprod(), DType.F64, cfg.schedule().numTrainTimesteps());
            else if (name.equals("add_noise") || name.equals("velocity")) {
                Tensor x0 = golden.tensor("input.add_noise_original", backend), noise = golden.tensor("input.add_noise_noise", backend);
                double[] ts = golden.tensor("input.add_noise_timesteps", backend).toDoubleArray();
                t = name.equals("add_noise") ? sched.addNoise(x0, noise, ts) : sched.velocity(x0, noise, ts);
            } else if ((m = TIMESTEPS.matcher(name)).matches()) {
                Scheduler s = name.startsWith("leading.") ? leading : sched;
                double[] ts = s.timesteps(Integer.parseInt(m.group(1)));
                t = sched instanceof EulerDiscreteScheduler ? f32(backend, ts) : i64(backend, ts);
            } else if (sched instanceof EulerDiscreteScheduler && (m = EULER_TABLE.matcher(name)).matches()) {
                EulerDiscreteScheduler e = (EulerDiscreteScheduler) (m.group(1) != null ? leading : sched);
                int steps = Integer.parseInt(m.group(3));
                t = m.group(2).equals("sigmas") ? f32(backend, e.sigmas(steps)) : f32(backend, new double[]{e.initNoiseSigma(steps)});
            } else if (sched instanceof DdimScheduler ddim && (m = DDIM_STEP.matcher(name)).matches()) {
                double eta = Double.parseDouble(m.group(2));
                int i = ddim.indexOf(n, Double.parseDouble(m.group(1)));
                Tensor noise = eta > 0 ? golden.tensor("input.variance_noise", backend) : null;
                StepOutput s = ddim.step(golden.tensor("input.model_output", backend), n, i, golden.tensor("input.sample", backend), eta, noise);
                t = m.group(3).equals("prev_sample") ? s.prevSample() : s.predOriginalSample();
            } else if (sched instanceof DdpmScheduler ddpm && (m = DDPM_STEP.matcher(name)).matches()) {
                int i = ddpm.indexOf(n, Double.parseDouble(m.group(1)));
                Tensor mo = golden.tensor("input.model_output", backend), x = golden.tensor("input.sample", backend);
                t = switch (m.group(2)) {
                    case "variance" -> f32(backend, new double[]{ddpm.varianceAt(n, i)});
                    case "prev_sample_mean" -> ddpm.mean(mo, n, i, x).prevSample();
                    case "pred_original_sample" -> ddpm.mean(mo, n, i, x).predOriginalSample();
                    default -> ddpm.step(mo, n, i, x, 0, golden.tensor("input.step_t" + m.group(1) + ".variance_noise", backend)).prevSample();
                };
            } else if (sched instanceof EulerDiscreteScheduler euler && (m = EULER_STEP.matcher(name)).matches()) {
                int i = Integer.parseInt(m.group(1));
                Tensor mo = golden.tensor("input.model_output", backend), x = golden.tensor("input.sample", backend);
                t = switch (m.group(2)) {
                    case "scale_model_input" -> euler.scaleModelInput(x, n, i);
                    case "prev_sample" -> euler.step(mo, n, i, x, 0, null).prevSample();
                    default -> euler.step(mo, n, i, x, 0, null).predOriginalSample();
                };
            }
            if (t != null) out.put(name, t);
        }
        return out;
    }

    private static Tensor f32(Backend be, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return be.fromHost(f, DType.F32, v.length);
    }

    private static Tensor i64(Backend be, double[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) l[i] = (long) v[i];
        return be.fromHost(l, DType.I64, v.length);
    }
}
