package dev.unitune.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every case of the reference tokenizer's golden file, on both normalisation paths and both pad tokens. */
class ClipTokenizerGoldenTest {
    private static final ClipTokenizer SD1 = ClipTokenizer.bundled();
    private static final ClipTokenizer SD2 = SD1.withPadToken("!");
    private static final ClipTokenizer NO_FTFY = SD1.withNormalization(ClipTokenizer.Normalization.NO_FTFY);

    static JsonNode cases() throws Exception {
        try (InputStream in = ClipTokenizerGoldenTest.class.getResourceAsStream("/golden/clip_tokenizer_cases.json")) {
            return new ObjectMapper().readTree(in).get("cases");
        }
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseMatchesExactly() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases()) {
            String text = c.get("text").asText();
            tests.add(DynamicTest.dynamicTest("case " + tests.size() + ": " + (text.length() > 40 ? text.substring(0, 40) : text), () -> {
                assertEquals(c.get("text_after_ftfy_clean").asText(), SD1.normalize(text), "normalised text");
                assertEquals(strings(c.get("bpe_tokens")), SD1.tokenize(text), "bpe pieces");
                assertArrayEquals(ints(c.get("ids_untruncated")), SD1.encodeUntruncated(text), "untruncated ids");
                assertArrayEquals(ints(c.get("input_ids")), SD1.encode(text), "SD-1 input_ids");
                assertArrayEquals(ints(c.get("input_ids_sd2_pad")), SD2.encode(text), "SD-2 input_ids");
                assertEquals(strings(c.get("bpe_tokens_no_ftfy")), NO_FTFY.tokenize(text), "no-ftfy bpe pieces");
                assertArrayEquals(ints(c.get("input_ids_no_ftfy")), NO_FTFY.encode(text), "no-ftfy input_ids");
                assertEquals(c.get("truncated").asBoolean(), SD1.truncates(text), "truncated flag");
            }));
        }
        return tests.stream();
    }

    @Test
    void documentedExampleAndLayout() {
        assertArrayEquals(new int[]{49406, 320, 1125, 539, 320, 2368, 49407}, SD1.encodeUntruncated("a photo of a cat"));
        assertEquals(49408, SD1.vocabSize());
        assertEquals(0, SD2.padId());
        assertEquals(77, SD1.encode("x".repeat(500)).length);
    }

    @Test
    void unknownPadTokenIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SD1.withPadToken("<|nope|>"));
        assertEquals("CLIP vocab has no <|nope|> token", e.getMessage());
    }
}
