package dev.unitune.model.sd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.autograd.Var;
import dev.unitune.autograd.nn.InitContext;
import dev.unitune.autograd.nn.Module;
import dev.unitune.model.clip.ClipTextConfig;
import dev.unitune.model.clip.ClipTextModel;
import dev.unitune.model.clip.ClipTextOutput;
import dev.unitune.model.schedulers.SchedulerConfig;
import dev.unitune.model.tokenizer.ClipTokenizer;
import dev.unitune.model.unet.UNet2DConditionModel;
import dev.unitune.model.unet.UNetConfig;
import dev.unitune.model.vae.AutoencoderKL;
import dev.unitune.model.vae.VaeConfig;
import dev.unitune.tensor.Backend;
import dev.unitune.tensor.DType;
import dev.unitune.tensor.Tensor;
import dev.unitune.weights.WeightSource;
import dev.unitune.weights.WeightSources;
import dev.unitune.weights.sd.SdCheckpointConverter;
import dev.unitune.weights.diffusers.DiffusersFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * A text-to-image diffusion model wired together: CLIP tokenizer + text encoder, UNet, the VAE (absent for
 * pixel-space models, whose UNet works on RGB directly) and the scheduler config. Loads a diffusers pipeline
 * folder ({@link #fromDiffusersFolder}) or any weight source whose names are diffusers names under component
 * prefixes ({@code unet.}, {@code vae.}, {@code text_encoder.}) plus the component configs
 * ({@link #fromComponents}), which is what a converted single-file checkpoint provides.
 */
public final class StableDiffusion {
    public final ClipTokenizer tokenizer;
    public final ClipTextModel textEncoder;
    public final UNet2DConditionModel unet;
    /** Null for pixel-space models. */
    public final AutoencoderKL vae;
    /** The scheduler config.json as given (read it with {@link #scheduler(String)}). */
    public final JsonNode schedulerConfig;
    public final Backend backend;
    public final DType dtype;

    private StableDiffusion(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet, AutoencoderKL vae,
                            JsonNode schedulerConfig, Backend backend, DType dtype) {
        if (vae != null && vae.config.latentChannels() != unet.config.inChannels())
            throw new IllegalArgumentException("VAE latent has " + vae.config.latentChannels() + " channels but the UNet takes "
                    + unet.config.inChannels());
        int textDim = textEncoder.config.hiddenSize();
        for (int d : unet.config.crossAttentionDim())
            if (d != textDim)
                throw new IllegalArgumentException("text encoder width " + textDim + " does not match the UNet's cross_attention_dim " + d);
        if (tokenizer.maxLength() > textEncoder.config.maxPositionEmbeddings())
            throw new IllegalArgumentException("tokenizer pads to " + tokenizer.maxLength() + " tokens but the text encoder has only "
                    + textEncoder.config.maxPositionEmbeddings() + " positions");
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = schedulerConfig;
        this.backend = backend;
        this.dtype = dtype;
    }

    /**
     * Loads a diffusers folder: model_index.json with unet/, text_encoder/, tokenizer/ (vocab.json, merges.txt,
     * tokenizer_config.json), scheduler/, and vae/ unless the model works in pixel space.
     */
    public static StableDiffusion fromDiffusersFolder(Path dir, Backend backend, DType dtype) throws IOException {
        try (DiffusersFolder folder = DiffusersFolder.open(dir)) {
            for (String c : List.of("unet", "text_encoder", "scheduler"))
                if (!folder.has(c)) throw new IOException(dir + ": diffusers folder has no " + c + "/ component");
            ClipTokenizer tok = folder.has("tokenizer") ? TokenizerFiles.load(folder.componentDir("tokenizer"))
                    : TokenizerFiles.bundledFor(folder.config("text_encoder"));
            UNet2DConditionModel unet = build(backend, dtype, () -> new UNet2DConditionModel(UNetConfig.fromJson(folder.config("unet"))));
            ComponentWeights.load(unet, folder.weights("unet"), "", "unet", backend, dtype);
            ClipTextModel text = build(backend, dtype, () -> new ClipTextModel(ClipTextConfig.fromJson(folder.config("text_encoder"))));
            ComponentWeights.load(text, folder.weights("text_encoder"), "", "text_encoder", backend, dtype);
            AutoencoderKL vae = null;
            if (folder.has("vae")) {
                vae = build(backend, dtype, () -> new AutoencoderKL(VaeConfig.fromJson(folder.config("vae"))));
                ComponentWeights.load(vae, folder.weights("vae"), "", "vae", backend, dtype);
            }
            return new StableDiffusion(tok, text, unet, vae, folder.config("scheduler"), backend, dtype).evalMode();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Builds the networks from their configs and loads them from one weight source holding diffusers names under
     * the prefixes "unet.", "text_encoder." and "vae." (vaeConfig null = pixel-space model, no VAE).
     */
    public static StableDiffusion fromComponents(WeightSource weights, JsonNode unetConfig, JsonNode textEncoderConfig,
                                                 JsonNode vaeConfig, ClipTokenizer tokenizer, JsonNode schedulerConfig,
                                                 Backend backend, DType dtype) {
        UNet2DConditionModel unet = build(backend, dtype, () -> new UNet2DConditionModel(UNetConfig.fromJson(unetConfig)));
        ComponentWeights.load(unet, weights, "unet.", "unet", backend, dtype);
        ClipTextModel text = build(backend, dtype, () -> new ClipTextModel(ClipTextConfig.fromJson(textEncoderConfig)));
        ComponentWeights.load(text, weights, "text_encoder.", "text_encoder", backend, dtype);
        AutoencoderKL vae = null;
        if (vaeConfig != null) {
            vae = build(backend, dtype, () -> new AutoencoderKL(VaeConfig.fromJson(vaeConfig)));
            ComponentWeights.load(vae, weights, "vae.", "vae", backend, dtype);
        }
        return new StableDiffusion(tokenizer, text, unet, vae, schedulerConfig, backend, dtype).evalMode();
    }

    private static <M extends Module> M build(Backend backend, DType dtype, Supplier<M> factory) {
        // Parameters are overwritten by the checkpoint right away: skip drawing random init for them.
        try (InitContext c = InitContext.open(backend, dtype, null, false)) {
            return factory.get();
        }
    }

    private StableDiffusion evalMode() {
        textEncoder.eval();
        unet.eval();
        if (vae != null) vae.eval();
        return this;
    }

    /** Whether the UNet works on VAE latents (true) or on pixels (false). */
    public boolean isLatentModel() { return vae != null; }

    /** Image pixels per UNet sample pixel along each axis: the VAE's downscale, or 1 in pixel space. */
    public int downscale() { return vae == null ? 1 : vae.config.downscale(); }

    /**
     * The scheduler to sample or train with, read from the folder's scheduler config as {@code asClass}
     * (DDIMScheduler, DDPMScheduler, EulerDiscreteScheduler), or as its own class when null and supported,
     * else as DDIM (SD 1.5 ships a PNDM config, whose betas and offsets DDIM reads the same way).
     */
    public SchedulerConfig scheduler(String asClass) {
        String own = schedulerConfig.path("_class_name").asText("");
        String cls = asClass != null ? asClass
                : List.of(SchedulerConfig.DDIM, SchedulerConfig.DDPM, SchedulerConfig.EULER).contains(own) ? own : SchedulerConfig.DDIM;
        return SchedulerConfig.fromJson(schedulerConfig, cls);
    }

    /** Token ids [B, maxLength] (I64) for prompts, truncated and padded as the reference tokenizer. */
    public Tensor tokenize(List<String> prompts) {
        return backend.fromHost(tokenizer.encodeBatch(prompts), DType.I64, prompts.size(), tokenizer.maxLength());
    }

    /**
     * The text conditioning [B, maxLength, D] for the UNet. clipSkip 0 or 1 = the last layer (SD's default);
     * k >= 2 = the k-th hidden state from the end, with the final LayerNorm applied (diffusers' clip_skip = k - 1).
     */
    public Var encodePrompts(List<String> prompts, int clipSkip) {
        ClipTextOutput o = textEncoder.forward(tokenize(prompts), null);
        if (clipSkip <= 1) return o.lastHiddenState();
        return textEncoder.finalLayerNorm(o.hiddenStateFromEnd(clipSkip));
    }

    public Var encodePrompts(List<String> prompts) { return encodePrompts(prompts, 0); }

    /**
     * Image [B, 3, H, W] in [-1, 1] to the UNet's sample space: VAE posterior sample (mean when noise is null)
     * times scaling_factor; the image itself for pixel-space models.
     */
    public Var imageToSample(Var image, Tensor noise) {
        if (vae == null) return image;
        var posterior = vae.encode(image);
        return vae.toUNetLatent(noise == null ? posterior.mode() : posterior.sample(noise));
    }

    /** UNet sample space back to an image in about [-1, 1]. */
    public Var sampleToImage(Var sample) {
        if (vae == null) return sample;
        return vae.decode(vae.fromUNetLatent(sample));
    }

    /**
     * Loads an original single-file SD 1.x/2.x checkpoint (.safetensors or .ckpt). It is first converted, through
     * weights-tools' key map, into a diffusers folder at {@code convertedDir} (configs derived from the tensor
     * shapes, see SdCheckpointConverter), which later calls reuse; a marker file records which checkpoint (path,
     * size, modification time) the folder came from, and a folder converted from another file is refused.
     *
     * @param convertedDir where the converted folder goes (must not exist, be empty, or hold this checkpoint's conversion)
     */
    public static StableDiffusion fromSingleFile(Path checkpoint, Path convertedDir, Backend backend, DType dtype) throws IOException {
        String source = ConversionMarker.describe(checkpoint);
        if (DiffusersFolder.isPipeline(convertedDir)) {
            ConversionMarker.check(convertedDir, source);
        } else {
            try (WeightSource src = WeightSources.open(checkpoint)) {
                SdCheckpointConverter.writeDiffusersFolder(src, convertedDir, null);
            } catch (RuntimeException e) {
                throw new IOException(e.getMessage(), e);
            }
            ConversionMarker.write(convertedDir, source);
        }
        return fromDiffusersFolder(convertedDir, backend, dtype);
    }

    /** Records which checkpoint a converted folder was made from, so a stale folder is not silently reused. */
    static final class ConversionMarker {
        static final String FILE = "unitune-converted-from.txt";

        private ConversionMarker() {}

        static String describe(Path checkpoint) throws IOException {
            if (!Files.isRegularFile(checkpoint)) throw new IOException(checkpoint + ": no such checkpoint file");
            return checkpoint.toAbsolutePath().normalize() + " size=" + Files.size(checkpoint)
                    + " mtime=" + Files.getLastModifiedTime(checkpoint).toMillis();
        }

        static void check(Path dir, String source) throws IOException {
            Path marker = dir.resolve(FILE);
            if (!Files.isRegularFile(marker)) return; // a folder the user converted or downloaded themselves
            String was = Files.readString(marker).trim();
            if (!was.equals(source))
                throw new IOException(dir + ": holds a conversion of another checkpoint (" + was + "), not of " + source
                        + "; delete the folder or choose another");
        }

        static void write(Path dir, String source) throws IOException {
            Path tmp = Files.createTempFile(dir, FILE, ".tmp");
            Files.writeString(tmp, source + "\n");
            Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Reads the tokenizer of a diffusers folder. */
    static final class TokenizerFiles {
        private TokenizerFiles() {}

        /**
         * The bundled CLIP vocabulary for a folder without tokenizer/ (e.g. a converted single-file checkpoint).
         * SD 2.x's OpenCLIP text tower (hidden_act gelu) was trained with "!" (id 0) as padding; SD 1.x's CLIP
         * (quick_gelu) pads with <|endoftext|>.
         */
        static ClipTokenizer bundledFor(JsonNode textEncoderConfig) {
            ClipTokenizer tok = ClipTokenizer.bundled();
            ClipTextConfig c = ClipTextConfig.fromJson(textEncoderConfig);
            return c.hiddenAct().equals("gelu") ? tok.withPadToken("!") : tok;
        }

        static ClipTokenizer load(Path dir) throws IOException {
            Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
            if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges))
                throw new IOException(dir + ": tokenizer folder needs vocab.json and merges.txt");
            ClipTokenizer tok = ClipTokenizer.fromFiles(vocab, merges);
            Path cfgFile = dir.resolve("tokenizer_config.json");
            if (!Files.isRegularFile(cfgFile)) return tok;
            JsonNode cfg = new ObjectMapper().readTree(cfgFile.toFile());
            // pad_token is a string, or an AddedToken object {"content": "!", ...} in newer files.
            JsonNode pad = cfg.path("pad_token");
            String padToken = pad.isTextual() ? pad.asText() : pad.path("content").isTextual() ? pad.path("content").asText() : null;
            if (padToken != null) tok = tok.withPadToken(padToken);
            int maxLen = cfg.path("model_max_length").asInt(0);
            if (maxLen > 0 && maxLen < 100_000) tok = tok.withMaxLength(maxLen);
            return tok;
        }
    }
}
