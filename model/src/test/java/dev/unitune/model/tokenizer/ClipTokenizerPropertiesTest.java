package dev.unitune.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invariants of byte-level BPE on random text (fixed seed): no piece is ever unknown, and the pieces of a
 * text, with their end-of-word marks removed, spell exactly its normalised words' UTF-8 bytes in the
 * byte-symbol alphabet, so no byte is lost, added or reordered.
 */
class ClipTokenizerPropertiesTest {
    private static final ClipTokenizer TOK = ClipTokenizer.bundled();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789 ,.;:!?'\"-_()[]{}<>&%$#@/\\ éüßçñ ЖжΩω 日本語 한국 🐱🚀 \t\n";

    private static String randomText(Random r) {
        int n = r.nextInt(60);
        StringBuilder sb = new StringBuilder();
        int[] cps = ALPHABET.codePoints().toArray();
        for (int i = 0; i < n; i++) sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        return sb.toString();
    }

    @Test
    void piecesSpellTheTextAndAreAllInTheVocabulary() {
        Random r = new Random(20240601);
        for (int trial = 0; trial < 500; trial++) {
            String text = randomText(r);
            List<String> pieces = TOK.tokenize(text);
            StringBuilder spelled = new StringBuilder();
            for (String p : pieces) spelled.append(p.replace(BytePairEncoder.END_OF_WORD, ""));
            String normalized = TOK.normalize(text).replace(" ", "");
            assertEquals(ByteSymbols.encode(normalized), spelled.toString(), "text " + text);
            int[] ids = TOK.encodeUntruncated(text);
            assertEquals(pieces.size() + 2, ids.length);
            for (int i = 1; i < ids.length - 1; i++)
                assertTrue(ids[i] != TOK.eosId() || pieces.get(i - 1).equals(ClipTokenizer.END_OF_TEXT), "unknown piece " + pieces.get(i - 1));
        }
    }

    @Test
    void everyOutputHasExactlyMaxLengthAndEndsContentWithEos() {
        Random r = new Random(7);
        ClipTokenizer short12 = TOK.withMaxLength(12);
        for (int trial = 0; trial < 200; trial++) {
            int[] ids = short12.encode(randomText(r) + randomText(r));
            assertEquals(12, ids.length);
            assertEquals(TOK.bosId(), ids[0]);
            int eos = 1;
            while (ids[eos] != TOK.eosId()) eos++;
            for (int i = eos + 1; i < ids.length; i++) assertEquals(short12.padId(), ids[i]);
        }
    }
}
