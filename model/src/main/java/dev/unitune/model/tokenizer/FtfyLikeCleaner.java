package dev.unitune.model.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The text normalisation of the reference CLIP tokenizer when the Python package ftfy is installed:
 * ftfy.fix_text(text), then whitespace collapse and strip, then lower-case.
 *
 * <p>ftfy itself is a large heuristic library; we do not port it. What ftfy would change, and what we do:
 * <ul>
 *   <li>HTML entities (&amp;amp; &amp;lt; &amp;#233;): decoded, unless the text contains '&lt;' (ftfy's
 *       "auto" rule: then it is probably real HTML). We decode numeric references and a common subset of
 *       named ones ({@link HtmlEntities}).</li>
 *   <li>Mojibake (UTF-8 read as Windows-1252, e.g. "cafÃ©" for "café"): ftfy scores text for "badness"
 *       and re-decodes. We re-decode each run of non-ASCII Windows-1252 characters whose bytes form valid
 *       multi-byte UTF-8; single accented letters (never valid UTF-8 alone) are left alone. Longer or
 *       mixed mis-encodings (Latin-1 + MacRoman, doubly encoded text) that ftfy would repair are not.</li>
 *   <li>C1 control characters (U+0080..U+009F): read as Windows-1252, as ftfy's fix_c1_controls does.</li>
 *   <li>Curly quotes to straight ones, Latin ligatures (ﬁ → fi), full-width forms (Ｆ → F): done as ftfy
 *       does (uncurl_quotes, fix_latin_ligatures, fix_character_width).</li>
 *   <li>Control characters without a purpose (NUL, BEL, ..., BOM, bidi overrides of U+206A..F): removed,
 *       as ftfy's remove_control_chars; tab/newline/form feed become spaces through whitespace collapse.</li>
 *   <li>NFC normalisation: done (java.text.Normalizer).</li>
 * </ul>
 * ftfy's terminal-escape removal and surrogate repair do not arise for Java strings read as UTF-8.
 */
final class FtfyLikeCleaner {
    private static final Charset CP1252 = Charset.forName("windows-1252");

    private FtfyLikeCleaner() {}

    static String clean(String text) {
        String t = text.indexOf('<') >= 0 ? text : HtmlEntities.unescape(text);
        t = fixMojibake(t);
        t = fixC1Controls(t);
        t = fixLigaturesWidthAndQuotes(t);
        t = removeControlChars(t);
        t = Normalizer.normalize(t, Normalizer.Form.NFC);
        return PythonText.collapseWhitespace(t).toLowerCase(java.util.Locale.ROOT);
    }

    /** Re-decodes each maximal run of non-ASCII Windows-1252-encodable characters that is valid UTF-8. */
    static String fixMojibake(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c < 0x80 || !encodable(c)) { out.append(c); i++; continue; }
            int j = i;
            while (j < n && text.charAt(j) >= 0x80 && encodable(text.charAt(j))) j++;
            String run = text.substring(i, j);
            String fixed = j - i >= 2 ? redecode(run) : null;
            out.append(fixed != null ? fixed : run);
            i = j;
        }
        return out.toString();
    }

    /** Windows-1252 byte of a non-ASCII char, or -1; the 5 undefined bytes map from the same C1 chars. */
    private static final java.util.Map<Character, Byte> CP1252_BYTE = buildCp1252Table();

    private static java.util.Map<Character, Byte> buildCp1252Table() {
        java.util.Map<Character, Byte> m = new java.util.HashMap<>();
        for (int b = 0x80; b <= 0xFF; b++) {
            String s = new String(new byte[]{(byte) b}, CP1252);
            char c = s.length() == 1 && s.charAt(0) != '\ufffd' ? s.charAt(0) : (char) b;
            m.put(c, (byte) b);
        }
        return m;
    }

    private static boolean encodable(char c) { return CP1252_BYTE.containsKey(c); }

    /** The run's Windows-1252 bytes decoded as strict UTF-8, or null when they are not valid UTF-8. */
    private static String redecode(String run) {
        byte[] bytes = new byte[run.length()];
        for (int k = 0; k < run.length(); k++) bytes[k] = CP1252_BYTE.get(run.charAt(k));
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer decoded = utf8.decode(ByteBuffer.wrap(bytes));
            return decoded.toString();
        } catch (CharacterCodingException notUtf8) {
            return null;
        }
    }

    private static String fixC1Controls(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (sb == null) sb = new StringBuilder(text.substring(0, i));
                String s = new String(new byte[]{(byte) c}, CP1252);
                sb.append(s.charAt(0) == '\ufffd' ? String.valueOf(c) : s);
            } else if (sb != null) sb.append(c);
        }
        return sb == null ? text : sb.toString();
    }

    private static String fixLigaturesWidthAndQuotes(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) sb.append('\'');
            else if (c >= 0x201C && c <= 0x201F) sb.append('"');
            else if (c == 0x3000) sb.append(' ');
            else if ((c >= 0xFB00 && c <= 0xFB06) || (c >= 0xFF01 && c <= 0xFFEF))
                sb.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            else if (c == 0x0132) sb.append("IJ");
            else if (c == 0x0133) sb.append("ij");
            else sb.append(c);
        }
        return sb.toString();
    }

    private static String removeControlChars(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean useless = (c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
                    || (c >= 0x206A && c <= 0x206F) || (c >= 0xFFF9 && c <= 0xFFFB) || c == 0xFEFF;
            if (!useless) sb.append(c);
        }
        return sb.toString();
    }
}
