package dev.unitune.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens any supported weights file or folder, choosing the reader by content rather than by name. */
public final class WeightSources {
    private WeightSources() {}

    /** The kinds {@link #sniff} recognises. */
    public enum Format { SAFETENSORS, SAFETENSORS_INDEX, TORCH_ZIP, TORCH_LEGACY, TORCH_TAR, FOLDER, UNKNOWN }

    public static WeightSource open(Path path) {
        return switch (sniff(path)) {
            case SAFETENSORS -> SafetensorsFile.open(path);
            case TORCH_ZIP -> dev.unitune.weights.torch.TorchZipFile.open(path);
            case TORCH_LEGACY -> dev.unitune.weights.torch.TorchLegacyFile.open(path);
            case TORCH_TAR -> throw new WeightsFormatException(path + ": unsupported legacy format (tar, torch < 0.1.10), re-save with torch>=1.6");
            case SAFETENSORS_INDEX -> ShardedSafetensors.open(path);
            case FOLDER -> dev.unitune.weights.diffusers.DiffusersFolder.openWeights(path);
            case UNKNOWN -> throw new WeightsFormatException(path + ": not a recognised weights file "
                    + "(expected safetensors, a torch .pth/.pt/.ckpt zip, a *.safetensors.index.json or a diffusers folder)");
        };
    }

    /** Looks at the first bytes (or the folder / index-file name) to tell formats apart. */
    public static Format sniff(Path path) {
        if (Files.isDirectory(path)) return Format.FOLDER;
        if (!Files.exists(path)) throw new WeightsFormatException(path + ": no such file or folder");
        if (path.getFileName().toString().endsWith(".index.json")) return Format.SAFETENSORS_INDEX;
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format.TORCH_ZIP;
        // Legacy torch.save: a pickle (PROTO 2) whose first value is the LONG1 magic 0x1950a86a20f9469cfc6c.
        if (n >= 4 && (head[0] & 0xff) == 0x80 && head[2] == (byte) 0x8a && head[3] == 0x0a) return Format.TORCH_LEGACY;
        if (n >= 9 && head[8] == '{') return Format.SAFETENSORS;
        if (n >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) return Format.TORCH_TAR;
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors")) return Format.SAFETENSORS; // let the reader say what is wrong
        return Format.UNKNOWN;
    }
}
