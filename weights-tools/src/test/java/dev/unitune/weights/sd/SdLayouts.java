package dev.unitune.weights.sd;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensor names and shapes of original SD checkpoints, generated from the network structure (ldm's
 * openaimodel UNet, ldm's AutoencoderKL, HF CLIP / OpenCLIP text towers), together with the diffusers
 * name each becomes. Independent of the rules file, so it can check it. Channel counts are parameters:
 * full size to count parameters, tiny to write real test files.
 */
final class SdLayouts {
    /** One original tensor; diffusers is null for ignored keys, or three names for a fused q/k/v. */
    record Key(String original, String component, List<String> diffusers, long[] shape, long[] diffusersShape) {}

    record UnetCfg(int modelCh, int[] mult, boolean[] attn, int context, boolean linearProj, int inCh) {}

    record VaeCfg(int ch, int[] mult, int z) {}

    record TextCfg(boolean openClip, int hidden, int layers, int inter, int vocab, int positions) {}

    static final UnetCfg SD15_UNET = new UnetCfg(320, new int[]{1, 2, 4, 4}, new boolean[]{true, true, true, false}, 768, false, 4);
    static final UnetCfg SD21_UNET = new UnetCfg(320, new int[]{1, 2, 4, 4}, new boolean[]{true, true, true, false}, 1024, true, 4);
    static final VaeCfg SD_VAE = new VaeCfg(128, new int[]{1, 2, 4, 4}, 4);
    static final TextCfg CLIP_L = new TextCfg(false, 768, 12, 3072, 49408, 77);
    static final TextCfg OPENCLIP_H = new TextCfg(true, 1024, 24, 4096, 49408, 77);

    final List<Key> keys = new ArrayList<>();

    private void emit(String orig, String comp, String diff, long... shape) {
        keys.add(new Key(orig, comp, diff == null ? null : List.of(diff), shape, shape));
    }

    private void emitReshaped(String orig, String comp, String diff, long[] shape, long[] diffShape) {
        keys.add(new Key(orig, comp, List.of(diff), shape, diffShape));
    }

    private void wb(String orig, String comp, String diff, long out, long... in) {
        long[] w = new long[in.length + 1];
        w[0] = out;
        System.arraycopy(in, 0, w, 1, in.length);
        emit(orig + ".weight", comp, diff + ".weight", w);
        emit(orig + ".bias", comp, diff + ".bias", out);
    }

    private void norm(String orig, String comp, String diff, long c) {
        emit(orig + ".weight", comp, diff + ".weight", c);
        emit(orig + ".bias", comp, diff + ".bias", c);
    }

    // ---- UNet -----------------------------------------------------------------------------------------

    void unet(UnetCfg c) {
        String P = "model.diffusion_model.";
        long ted = 4L * c.modelCh();
        wb(P + "time_embed.0", "unet", "time_embedding.linear_1", ted, c.modelCh());
        wb(P + "time_embed.2", "unet", "time_embedding.linear_2", ted, ted);
        wb(P + "input_blocks.0.0", "unet", "conv_in", c.modelCh(), c.inCh(), 3, 3);
        List<Long> chans = new ArrayList<>();
        long ch = c.modelCh();
        chans.add(ch);
        int idx = 1, levels = c.mult().length;
        for (int l = 0; l < levels; l++) {
            for (int j = 0; j < 2; j++) {
                long out = (long) c.mult()[l] * c.modelCh();
                res(P + "input_blocks." + idx + ".0", "down_blocks." + l + ".resnets." + j, ch, out, ted);
                ch = out;
                if (c.attn()[l]) st(P + "input_blocks." + idx + ".1", "down_blocks." + l + ".attentions." + j, ch, c);
                chans.add(ch);
                idx++;
            }
            if (l != levels - 1) {
                wb(P + "input_blocks." + idx + ".0.op", "unet", "down_blocks." + l + ".downsamplers.0.conv", ch, ch, 3, 3);
                chans.add(ch);
                idx++;
            }
        }
        res(P + "middle_block.0", "mid_block.resnets.0", ch, ch, ted);
        st(P + "middle_block.1", "mid_block.attentions.0", ch, c);
        res(P + "middle_block.2", "mid_block.resnets.1", ch, ch, ted);
        idx = 0;
        for (int l = levels - 1; l >= 0; l--) {
            int u = levels - 1 - l;
            for (int j = 0; j < 3; j++) {
                long skip = chans.remove(chans.size() - 1);
                long out = (long) c.mult()[l] * c.modelCh();
                res(P + "output_blocks." + idx + ".0", "up_blocks." + u + ".resnets." + j, ch + skip, out, ted);
                ch = out;
                if (c.attn()[l]) st(P + "output_blocks." + idx + ".1", "up_blocks." + u + ".attentions." + j, ch, c);
                if (l > 0 && j == 2)
                    wb(P + "output_blocks." + idx + "." + (c.attn()[l] ? 2 : 1) + ".conv", "unet", "up_blocks." + u + ".upsamplers.0.conv", ch, ch, 3, 3);
                idx++;
            }
        }
        norm(P + "out.0", "unet", "conv_norm_out", ch);
        wb(P + "out.2", "unet", "conv_out", c.inCh(), ch, 3, 3);
    }

    private void res(String o, String d, long ci, long co, long ted) {
        norm(o + ".in_layers.0", "unet", d + ".norm1", ci);
        wb(o + ".in_layers.2", "unet", d + ".conv1", co, ci, 3, 3);
        wb(o + ".emb_layers.1", "unet", d + ".time_emb_proj", co, ted);
        norm(o + ".out_layers.0", "unet", d + ".norm2", co);
        wb(o + ".out_layers.3", "unet", d + ".conv2", co, co, 3, 3);
        if (ci != co) wb(o + ".skip_connection", "unet", d + ".conv_shortcut", co, ci, 1, 1);
    }

    /** SpatialTransformer: the same sub-names on both sides. */
    private void st(String o, String d, long c, UnetCfg cfg) {
        norm(o + ".norm", "unet", d + ".norm", c);
        if (cfg.linearProj()) wb(o + ".proj_in", "unet", d + ".proj_in", c, c);
        else wb(o + ".proj_in", "unet", d + ".proj_in", c, c, 1, 1);
        String t = ".transformer_blocks.0.";
        for (String a : new String[]{"attn1", "attn2"}) {
            long kv = a.equals("attn1") ? c : cfg.context();
            emit(o + t + a + ".to_q.weight", "unet", d + t + a + ".to_q.weight", c, c);
            emit(o + t + a + ".to_k.weight", "unet", d + t + a + ".to_k.weight", c, kv);
            emit(o + t + a + ".to_v.weight", "unet", d + t + a + ".to_v.weight", c, kv);
            wb(o + t + a + ".to_out.0", "unet", d + t + a + ".to_out.0", c, c);
        }
        wb(o + t + "ff.net.0.proj", "unet", d + t + "ff.net.0.proj", 8 * c, c);
        wb(o + t + "ff.net.2", "unet", d + t + "ff.net.2", c, 4 * c);
        for (String n : new String[]{"norm1", "norm2", "norm3"}) norm(o + t + n, "unet", d + t + n, c);
        if (cfg.linearProj()) wb(o + ".proj_out", "unet", d + ".proj_out", c, c);
        else wb(o + ".proj_out", "unet", d + ".proj_out", c, c, 1, 1);
    }

    // ---- VAE ------------------------------------------------------------------------------------------

    void vae(VaeCfg c) {
        String P = "first_stage_model.";
        int levels = c.mult().length;
        wb(P + "encoder.conv_in", "vae", "encoder.conv_in", c.ch(), 3, 3, 3);
        long bi = c.ch();
        for (int i = 0; i < levels; i++) {
            long bo = (long) c.ch() * c.mult()[i];
            for (int j = 0; j < 2; j++) {
                vres(P + "encoder.down." + i + ".block." + j, "encoder.down_blocks." + i + ".resnets." + j, bi, bo);
                bi = bo;
            }
            if (i != levels - 1) wb(P + "encoder.down." + i + ".downsample.conv", "vae", "encoder.down_blocks." + i + ".downsamplers.0.conv", bi, bi, 3, 3);
        }
        mid(P + "encoder", "encoder", bi);
        norm(P + "encoder.norm_out", "vae", "encoder.conv_norm_out", bi);
        wb(P + "encoder.conv_out", "vae", "encoder.conv_out", 2L * c.z(), bi, 3, 3);
        wb(P + "quant_conv", "vae", "quant_conv", 2L * c.z(), 2L * c.z(), 1, 1);
        wb(P + "post_quant_conv", "vae", "post_quant_conv", c.z(), c.z(), 1, 1);
        bi = (long) c.ch() * c.mult()[levels - 1];
        wb(P + "decoder.conv_in", "vae", "decoder.conv_in", bi, c.z(), 3, 3);
        mid(P + "decoder", "decoder", bi);
        for (int i = levels - 1; i >= 0; i--) {
            long bo = (long) c.ch() * c.mult()[i];
            int u = levels - 1 - i;
            for (int j = 0; j < 3; j++) {
                vres(P + "decoder.up." + i + ".block." + j, "decoder.up_blocks." + u + ".resnets." + j, bi, bo);
                bi = bo;
            }
            if (i != 0) wb(P + "decoder.up." + i + ".upsample.conv", "vae", "decoder.up_blocks." + u + ".upsamplers.0.conv", bi, bi, 3, 3);
        }
        norm(P + "decoder.norm_out", "vae", "decoder.conv_norm_out", bi);
        wb(P + "decoder.conv_out", "vae", "decoder.conv_out", 3, bi, 3, 3);
    }

    private void vres(String o, String d, long ci, long co) {
        norm(o + ".norm1", "vae", d + ".norm1", ci);
        wb(o + ".conv1", "vae", d + ".conv1", co, ci, 3, 3);
        norm(o + ".norm2", "vae", d + ".norm2", co);
        wb(o + ".conv2", "vae", d + ".conv2", co, co, 3, 3);
        if (ci != co) wb(o + ".nin_shortcut", "vae", d + ".conv_shortcut", co, ci, 1, 1);
    }

    private void mid(String o, String d, long c) {
        vres(o + ".mid.block_1", d + ".mid_block.resnets.0", c, c);
        norm(o + ".mid.attn_1.norm", "vae", d + ".mid_block.attentions.0.group_norm", c);
        String[][] qkv = {{"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"}};
        for (String[] p : qkv) {
            emitReshaped(o + ".mid.attn_1." + p[0] + ".weight", "vae", d + ".mid_block.attentions.0." + p[1] + ".weight",
                    new long[]{c, c, 1, 1}, new long[]{c, c});
            emit(o + ".mid.attn_1." + p[0] + ".bias", "vae", d + ".mid_block.attentions.0." + p[1] + ".bias", c);
        }
        vres(o + ".mid.block_2", d + ".mid_block.resnets.1", c, c);
    }

    // ---- text encoders --------------------------------------------------------------------------------

    void text(TextCfg c) {
        long h = c.hidden();
        if (!c.openClip()) {
            String P = "cond_stage_model.transformer.text_model.";
            emit(P + "embeddings.token_embedding.weight", "text_encoder", "text_model.embeddings.token_embedding.weight", c.vocab(), h);
            emit(P + "embeddings.position_embedding.weight", "text_encoder", "text_model.embeddings.position_embedding.weight", c.positions(), h);
            emit(P + "embeddings.position_ids", "text_encoder", null, 1, c.positions());
            for (int i = 0; i < c.layers(); i++) {
                String l = "encoder.layers." + i + ".";
                for (String p : new String[]{"k_proj", "v_proj", "q_proj", "out_proj"})
                    wb(P + l + "self_attn." + p, "text_encoder", "text_model." + l + "self_attn." + p, h, h);
                norm(P + l + "layer_norm1", "text_encoder", "text_model." + l + "layer_norm1", h);
                wb(P + l + "mlp.fc1", "text_encoder", "text_model." + l + "mlp.fc1", c.inter(), h);
                wb(P + l + "mlp.fc2", "text_encoder", "text_model." + l + "mlp.fc2", h, c.inter());
                norm(P + l + "layer_norm2", "text_encoder", "text_model." + l + "layer_norm2", h);
            }
            norm(P + "final_layer_norm", "text_encoder", "text_model.final_layer_norm", h);
            return;
        }
        String P = "cond_stage_model.model.";
        emit(P + "token_embedding.weight", "text_encoder", "text_model.embeddings.token_embedding.weight", c.vocab(), h);
        emit(P + "positional_embedding", "text_encoder", "text_model.embeddings.position_embedding.weight", c.positions(), h);
        for (int i = 0; i < c.layers(); i++) {
            String o = P + "transformer.resblocks." + i + ".", d = "text_model.encoder.layers." + i + ".";
            boolean kept = i < c.layers() - 1; // diffusers keeps all but the last (SD 2.x uses the penultimate layer)
            String dd = kept ? d : null;
            keys.add(new Key(o + "attn.in_proj_weight", "text_encoder", kept ? List.of(d + "self_attn.q_proj.weight",
                    d + "self_attn.k_proj.weight", d + "self_attn.v_proj.weight") : null, new long[]{3 * h, h}, new long[]{h, h}));
            keys.add(new Key(o + "attn.in_proj_bias", "text_encoder", kept ? List.of(d + "self_attn.q_proj.bias",
                    d + "self_attn.k_proj.bias", d + "self_attn.v_proj.bias") : null, new long[]{3 * h}, new long[]{h}));
            wb2(o + "attn.out_proj", dd == null ? null : dd + "self_attn.out_proj", h, h);
            norm2(o + "ln_1", dd == null ? null : dd + "layer_norm1", h);
            wb2(o + "mlp.c_fc", dd == null ? null : dd + "mlp.fc1", c.inter(), h);
            wb2(o + "mlp.c_proj", dd == null ? null : dd + "mlp.fc2", h, c.inter());
            norm2(o + "ln_2", dd == null ? null : dd + "layer_norm2", h);
        }
        norm(P + "ln_final", "text_encoder", "text_model.final_layer_norm", h);
        emit(P + "text_projection", "text_encoder", null, h, h);
        emit(P + "logit_scale", "text_encoder", null);
    }

    private void wb2(String o, String d, long out, long in) {
        emit(o + ".weight", "text_encoder", d == null ? null : d + ".weight", out, in);
        emit(o + ".bias", "text_encoder", d == null ? null : d + ".bias", out);
    }

    private void norm2(String o, String d, long c) {
        emit(o + ".weight", "text_encoder", d == null ? null : d + ".weight", c);
        emit(o + ".bias", "text_encoder", d == null ? null : d + ".bias", c);
    }

    /** Keys every real checkpoint carries that diffusers has no use for. */
    void extras() {
        emit("betas", null, null, 1000);
        emit("alphas_cumprod", null, null, 1000);
        emit("model_ema.decay", null, null);
        emit("model_ema.num_updates", null, null);
    }

    long params(String component) {
        long n = 0;
        for (Key k : keys) {
            if (k.diffusers() == null || !component.equals(k.component())) continue;
            long e = 1;
            for (long d : k.shape()) e *= d;
            n += e;
        }
        return n;
    }

    static SdLayouts sd15(UnetCfg u, VaeCfg v, TextCfg t) {
        SdLayouts l = new SdLayouts();
        l.unet(u);
        l.vae(v);
        l.text(t);
        l.extras();
        return l;
    }
}
