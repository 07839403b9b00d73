package dev.unitune.model.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unitune.model.tokenizer.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The clip_tokenizer golden JSON: every case's ids must match exactly, on the SD 1.x path (input_ids,
 * ids_untruncated), the SD 2.x pad path (input_ids_sd2_pad) and the no-ftfy path (input_ids_no_ftfy).
 * Uses the vocabulary named by the file's config (relative to the file) when present, else the bundled one.
 */
final class TokenizerGoldenCheck {
    static final String KIND = "clip_tokenizer";

    private TokenizerGoldenCheck() {}

    static GoldenCheck.FileResult check(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            String kind = root.path("kind").asText("");
            if (!kind.equals(KIND)) return new GoldenCheck.FileResult(file, kind.isEmpty() ? "?" : kind, List.of(),
                    "JSON golden files must have kind '" + KIND + "' (got '" + kind + "')");
            JsonNode cases = root.get("cases");
            if (cases == null || !cases.isArray() || cases.isEmpty())
                return new GoldenCheck.FileResult(file, KIND, List.of(), "no 'cases' array");
            ClipTokenizer sd1 = tokenizer(file, root.path("config"));
            String vocabNote = vocabNote(file, root.path("config"));
            ClipTokenizer sd2 = sd1.withPadToken("!");
            ClipTokenizer noFtfy = sd1.withNormalization(ClipTokenizer.Normalization.NO_FTFY);
            List<GoldenCheck.OutputResult> out = new ArrayList<>();
            out.add(field(cases, "input_ids", sd1::encode, vocabNote));
            out.add(field(cases, "ids_untruncated", sd1::encodeUntruncated, vocabNote));
            out.add(field(cases, "input_ids_sd2_pad", sd2::encode, vocabNote));
            out.add(field(cases, "input_ids_no_ftfy", noFtfy::encode, vocabNote));
            return new GoldenCheck.FileResult(file, KIND, out, null);
        } catch (Exception e) {
            return new GoldenCheck.FileResult(file, KIND, List.of(), e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static ClipTokenizer tokenizer(Path file, JsonNode config) throws java.io.IOException {
        Path vocab = sibling(file, config.path("vocab_file").asText(null)), merges = sibling(file, config.path("merges_file").asText(null));
        return vocab != null && merges != null ? ClipTokenizer.fromFiles(vocab, merges) : ClipTokenizer.bundled();
    }

    private static String vocabNote(Path file, JsonNode config) {
        Path vocab = sibling(file, config.path("vocab_file").asText(null));
        return vocab != null ? "vocab " + vocab.getParent().getFileName() : "bundled vocab";
    }

    private static Path sibling(Path file, String relative) {
        if (relative == null) return null;
        Path p = file.toAbsolutePath().getParent().resolve(relative);
        return Files.isRegularFile(p) ? p : null;
    }

    private static GoldenCheck.OutputResult field(JsonNode cases, String name, java.util.function.Function<String, int[]> encode, String note) {
        int compared = 0, wrong = 0;
        String firstWrong = null;
        double maxAbs = 0;
        for (JsonNode c : cases) {
            JsonNode want = c.get(name);
            if (want == null) continue;
            compared++;
            int[] expected = new int[want.size()];
            for (int i = 0; i < expected.length; i++) expected[i] = want.get(i).asInt();
            int[] got = encode.apply(c.path("text").asText());
            if (!Arrays.equals(expected, got)) {
                wrong++;
                if (firstWrong == null) firstWrong = c.path("text").asText();
                for (int i = 0; i < Math.min(expected.length, got.length); i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i] - got[i]));
            }
        }
        if (compared == 0) return new GoldenCheck.OutputResult(name, GoldenCheck.Status.SKIP, Double.NaN, Double.NaN, 0, "exact", "field absent");
        String detail = wrong == 0 ? compared + " cases, " + note : wrong + " of " + compared + " cases differ, first: \"" + firstWrong + "\"";
        return new GoldenCheck.OutputResult(name, wrong == 0 ? GoldenCheck.Status.PASS : GoldenCheck.Status.FAIL, maxAbs, Double.NaN, 0, "exact", detail);
    }
}
