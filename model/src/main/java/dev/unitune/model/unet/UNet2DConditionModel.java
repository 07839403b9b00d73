package dev.unitune.model.unet;

import dev.unitune.autograd.F;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.Activation;
import dev.unitune.autograd.nn.Conv2d;
import dev.unitune.autograd.nn.GroupNorm;
import dev.unitune.autograd.nn.Module;
import dev.unitune.autograd.nn.ModuleList;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * diffusers UNet2DConditionModel (the SD 1.x / 2.x denoiser), built from its config.json; parameter names
 * equal the diffusers state-dict keys. Given a noisy sample [B, in, H, W], timesteps and the text
 * embedding [B, L, cross_attention_dim] it predicts the noise (or v) [B, out, H, W].
 *
 * <p>Path: sinusoid(t) -> time_embedding MLP; conv_in; down blocks (collecting skip connections); mid block;
 * up blocks (each consuming its skips, newest first); conv_norm_out -> act -> conv_out. When H or W is not a
 * multiple of 2^(number of upsamplers), each upsampler resizes to its skip's size instead of exactly 2x.
 *
 * <p>Named intermediate outputs can be observed with a tap (the golden check compares them): time_proj,
 * time_embedding, conv_in, down_blocks.i, mid_block, up_blocks.i, conv_norm_out (before the activation), conv_out.
 */
public class UNet2DConditionModel extends Module {
    public final UNetConfig config;
    private final Conv2d convIn, convOut;
    private final TimestepEmbedding timeEmbedding;
    private final ModuleList<UNetDownBlock> downBlocks;
    private final UNetMidBlock midBlock;
    private final ModuleList<UNetUpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Activation convAct;
    private boolean gradientCheckpointing;

    public UNet2DConditionModel(UNetConfig c) {
        this.config = c;
        int n = c.numBlocks();
        int[] boc = c.blockOutChannels();
        int timeDim = c.timeEmbeddingDim();
        convIn = registerModule("conv_in", new Conv2d(c.inChannels(), boc[0], c.convInKernel(), 1, (c.convInKernel() - 1) / 2));
        timeEmbedding = registerModule("time_embedding", new TimestepEmbedding(boc[0], timeDim, c.actFn()));

        downBlocks = registerModule("down_blocks", new ModuleList<>());
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            downBlocks.add(new UNetDownBlock(c.downBlockTypes().get(i).startsWith("CrossAttn"), c.layersPerBlock()[i],
                    c.transformerLayersPerBlock()[i], in, out, timeDim, i < n - 1, c.normEps(), c.actFn(), c.normNumGroups(),
                    c.crossAttentionDim()[i], c.numAttentionHeads()[i], c.downsamplePadding(), c.useLinearProjection(),
                    c.onlyCrossAttention()[i], c.resnetOutScaleFactor()));
        }

        midBlock = registerModule("mid_block", new UNetMidBlock(boc[n - 1], timeDim, c.normEps(), c.actFn(), c.normNumGroups(),
                c.midBlockScaleFactor(), c.crossAttentionDim()[n - 1], c.numAttentionHeads()[n - 1],
                c.transformerLayersPerBlock()[n - 1], c.useLinearProjection(), 1));

        // The up path mirrors the down path: per-block lists are read reversed.
        upBlocks = registerModule("up_blocks", new ModuleList<>());
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i;
            int prevOut = out;
            out = boc[r];
            int in = boc[Math.max(r - 1, 0)];
            upBlocks.add(new UNetUpBlock(c.upBlockTypes().get(i).startsWith("CrossAttn"), c.layersPerBlock()[r] + 1,
                    c.transformerLayersPerBlock()[r], in, out, prevOut, timeDim, i < n - 1, c.normEps(), c.actFn(),
                    c.normNumGroups(), c.crossAttentionDim()[r], c.numAttentionHeads()[r], c.useLinearProjection(),
                    c.onlyCrossAttention()[r], c.resnetOutScaleFactor()));
        }
        convNormOut = registerModule("conv_norm_out", new GroupNorm(c.normNumGroups(), boc[0], c.normEps()));
        convAct = Activation.byName(c.actFn());
        convOut = registerModule("conv_out", new Conv2d(boc[0], c.outChannels(), c.convOutKernel(), 1, (c.convOutKernel() - 1) / 2));
    }

    /** Recompute each resnet/transformer during backward instead of keeping its activations. */
    public UNet2DConditionModel setGradientCheckpointing(boolean on) {
        this.gradientCheckpointing = on;
        return this;
    }

    public boolean gradientCheckpointing() { return gradientCheckpointing; }

    public Var forward(Var sample, Tensor timesteps, Var encoderHiddenStates) {
        return forward(sample, timesteps, encoderHiddenStates, null);
    }

    /** One timestep for the whole batch. */
    public Var forward(Var sample, double timestep, Var encoderHiddenStates) {
        double[] t = new double[sample.dim(0)];
        Arrays.fill(t, timestep);
        return forward(sample, t, encoderHiddenStates, null);
    }

    /**
     * @param timesteps one value, or one per batch element (any numeric dtype)
     * @param tap       receives named intermediate outputs, or null
     */
    public Var forward(Var sample, Tensor timesteps, Var encoderHiddenStates, BiConsumer<String, Var> tap) {
        double[] t = timesteps.toDoubleArray();
        int b = sample.dim(0);
        if (t.length == 1 && b != 1) {
            double v = t[0];
            t = new double[b];
            Arrays.fill(t, v);
        }
        return forward(sample, t, encoderHiddenStates, tap);
    }

    public Var forward(Var sample, double[] timesteps, Var context, BiConsumer<String, Var> tap) {
        checkInputs(sample, timesteps, context);
        BiConsumer<String, Var> emit = tap != null ? tap : (k, v) -> {};
        boolean ckpt = gradientCheckpointing;
        int n = config.numBlocks();

        int upFactor = 1 << (n - 1);
        boolean forwardUpsampleSize = sample.dim(2) % upFactor != 0 || sample.dim(3) % upFactor != 0;

        if (config.centerInputSample()) sample = F.sub(F.mul(sample, 2.0), 1.0); // 2x - 1

        float[] sinusoid = SinusoidalTimesteps.embed(timesteps, config.blockOutChannels()[0], config.flipSinToCos(), config.freqShift());
        Tensor tProj = sample.backend().fromHost(sinusoid, DType.F32, timesteps.length, config.blockOutChannels()[0])
                .to(sample.dtype());
        Var tEmb = Var.constant(tProj);
        emit.accept("time_proj", tEmb);
        Var emb = timeEmbedding.forward(tEmb);
        emit.accept("time_embedding", emb);

        Var h = convIn.forward(sample);
        emit.accept("conv_in", h);

        List<Var> skips = new ArrayList<>();
        skips.add(h);
        for (int i = 0; i < n; i++) {
            UNetDownBlock.Output o = downBlocks.get(i).forward(h, emb, context, ckpt);
            h = o.hidden();
            skips.addAll(o.skips());
            emit.accept("down_blocks." + i, h);
        }

        h = midBlock.forward(h, emb, context, ckpt);
        emit.accept("mid_block", h);

        for (int i = 0; i < n; i++) {
            UNetUpBlock up = upBlocks.get(i);
            int k = up.numResnets();
            List<Var> mine = new ArrayList<>(skips.subList(skips.size() - k, skips.size()));
            skips = new ArrayList<>(skips.subList(0, skips.size() - k));
            int[] upsampleTo = null;
            if (i < n - 1 && forwardUpsampleSize) {
                Var next = skips.get(skips.size() - 1);
                upsampleTo = new int[]{next.dim(2), next.dim(3)};
            }
            h = up.forward(h, mine, emb, context, upsampleTo, ckpt);
            emit.accept("up_blocks." + i, h);
        }

        h = convNormOut.forward(h);
        emit.accept("conv_norm_out", h);
        h = convOut.forward(convAct.forward(h));
        emit.accept("conv_out", h);
        return h;
    }

    private void checkInputs(Var sample, double[] timesteps, Var context) {
        if (sample.rank() != 4 || sample.dim(1) != config.inChannels())
            throw new IllegalArgumentException("UNet expects a sample [B, " + config.inChannels() + ", H, W], got " + Arrays.toString(sample.shape()));
        if (timesteps.length != sample.dim(0))
            throw new IllegalArgumentException("UNet given " + timesteps.length + " timesteps for a batch of " + sample.dim(0));
        int cross = config.crossAttentionDim()[0];
        if (context == null || context.rank() != 3 || context.dim(0) != sample.dim(0) || context.dim(2) != cross)
            throw new IllegalArgumentException("UNet expects encoder_hidden_states [" + sample.dim(0) + ", L, " + cross + "], got "
                    + (context == null ? "null" : Arrays.toString(context.shape())));
    }
}
