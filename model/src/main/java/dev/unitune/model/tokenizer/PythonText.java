package dev.unitune.model.tokenizer;

/** Character classes as Python 3 defines them, where Java's differ (Java's isWhitespace excludes U+00A0). */
final class PythonText {
    private PythonText() {}

    /** Python's str.isspace() / the `\s` of a str regex. */
    static boolean isSpace(int cp) {
        if (cp == ' ' || (cp >= '\t' && cp <= '\r') || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85) return true;
        int type = Character.getType(cp);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** Collapses runs of Python whitespace into one space and strips both ends (CLIP's whitespace_clean). */
    static String collapseWhitespace(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isSpace(cp)) { pendingSpace = sb.length() > 0; continue; }
            if (pendingSpace) { sb.append(' '); pendingSpace = false; }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
