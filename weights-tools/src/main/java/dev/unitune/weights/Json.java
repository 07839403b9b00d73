package dev.unitune.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading small JSON files (configs, indexes) strictly, with one-line errors naming the file. */
public final class Json {
    private Json() {}

    static final long MAX_JSON_BYTES = 64L << 20;

    public static JsonNode read(Path file) {
        try {
            if (Files.size(file) > MAX_JSON_BYTES) throw new WeightsFormatException(file + ": JSON file larger than " + MAX_JSON_BYTES + " bytes");
            JsonNode n = SafetensorsHeader.JSON.readTree(Files.readAllBytes(file));
            if (n == null || !n.isObject()) throw new WeightsFormatException(file + ": expected a JSON object");
            return n;
        } catch (NoSuchFileException e) {
            throw new WeightsFormatException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(file + ": invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WeightsFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
