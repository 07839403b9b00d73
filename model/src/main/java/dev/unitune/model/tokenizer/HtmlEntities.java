package dev.unitune.model.tokenizer;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character references as Python's html.unescape decodes them: numeric (&#233; &#xE9;) and named
 * ones. The named table is the subset that occurs in prompts (markup escapes, quotes, dashes, currency,
 * common accented letters), not all 2,231 HTML5 names; an unknown name is left as written, which is also
 * what html.unescape does for text that merely looks like an entity.
 */
final class HtmlEntities {
    private static final Pattern REF = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);");
    private static final Map<String, String> NAMED = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"), Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"),
            Map.entry("trade", "\u2122"), Map.entry("hellip", "\u2026"), Map.entry("mdash", "\u2014"), Map.entry("ndash", "\u2013"),
            Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"), Map.entry("ldquo", "\u201c"), Map.entry("rdquo", "\u201d"),
            Map.entry("laquo", "\u00ab"), Map.entry("raquo", "\u00bb"), Map.entry("euro", "\u20ac"), Map.entry("pound", "\u00a3"),
            Map.entry("yen", "\u00a5"), Map.entry("cent", "\u00a2"), Map.entry("deg", "\u00b0"), Map.entry("times", "\u00d7"),
            Map.entry("divide", "\u00f7"), Map.entry("middot", "\u00b7"), Map.entry("bull", "\u2022"), Map.entry("para", "\u00b6"),
            Map.entry("sect", "\u00a7"), Map.entry("plusmn", "\u00b1"), Map.entry("micro", "\u00b5"), Map.entry("frac12", "\u00bd"),
            Map.entry("frac14", "\u00bc"), Map.entry("frac34", "\u00be"), Map.entry("sup2", "\u00b2"), Map.entry("sup3", "\u00b3"),
            Map.entry("eacute", "\u00e9"), Map.entry("egrave", "\u00e8"), Map.entry("ecirc", "\u00ea"), Map.entry("euml", "\u00eb"),
            Map.entry("aacute", "\u00e1"), Map.entry("agrave", "\u00e0"), Map.entry("acirc", "\u00e2"), Map.entry("auml", "\u00e4"),
            Map.entry("aring", "\u00e5"), Map.entry("atilde", "\u00e3"), Map.entry("ccedil", "\u00e7"), Map.entry("iacute", "\u00ed"),
            Map.entry("iuml", "\u00ef"), Map.entry("icirc", "\u00ee"), Map.entry("oacute", "\u00f3"), Map.entry("ouml", "\u00f6"),
            Map.entry("ocirc", "\u00f4"), Map.entry("otilde", "\u00f5"), Map.entry("oslash", "\u00f8"), Map.entry("uacute", "\u00fa"),
            Map.entry("uuml", "\u00fc"), Map.entry("ucirc", "\u00fb"), Map.entry("ntilde", "\u00f1"), Map.entry("szlig", "\u00df"),
            Map.entry("Eacute", "\u00c9"), Map.entry("Auml", "\u00c4"), Map.entry("Ouml", "\u00d6"), Map.entry("Uuml", "\u00dc"),
            Map.entry("Ntilde", "\u00d1"), Map.entry("Ccedil", "\u00c7"), Map.entry("iexcl", "\u00a1"), Map.entry("iquest", "\u00bf"));

    private HtmlEntities() {}

    static String unescape(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = REF.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        while (m.find()) {
            String ref = m.group(1), replacement = null;
            if (ref.startsWith("#")) {
                boolean hex = ref.length() > 1 && (ref.charAt(1) == 'x' || ref.charAt(1) == 'X');
                try {
                    int cp = Integer.parseInt(ref.substring(hex ? 2 : 1), hex ? 16 : 10);
                    // html.unescape maps invalid code points (0, surrogates, > 0x10FFFF) to U+FFFD.
                    replacement = cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? "\ufffd" : new String(Character.toChars(cp));
                } catch (NumberFormatException tooLong) {
                    replacement = "\ufffd";
                }
            } else replacement = NAMED.get(ref);
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
