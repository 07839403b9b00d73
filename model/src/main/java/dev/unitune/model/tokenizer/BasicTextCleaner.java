package dev.unitune.model.tokenizer;

import java.text.Normalizer;

/**
 * The normalisation the reference CLIP tokenizer falls back to when ftfy is NOT installed (common in
 * diffusers setups): transformers' BasicTokenizer(do_lower_case=True, strip_accents=False,
 * do_split_on_punc=False). Removes NUL, U+FFFD and every "C*" category character, maps whitespace to
 * spaces, puts spaces around CJK ideographs, NFC-normalises, lower-cases and re-joins words with one space.
 */
final class BasicTextCleaner {
    private BasicTextCleaner() {}

    static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isWhitespace(cp)) sb.append(' ');
            else if (isCjk(cp)) sb.append(' ').appendCodePoint(cp).append(' ');
            else sb.appendCodePoint(cp);
        }
        String nfc = Normalizer.normalize(sb.toString(), Normalizer.Form.NFC);
        // Lower-casing per word then joining equals collapsing whitespace of the lower-cased text.
        return PythonText.collapseWhitespace(nfc).toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
