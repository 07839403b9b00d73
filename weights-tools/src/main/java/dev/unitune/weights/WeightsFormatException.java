package dev.unitune.weights;

/**
 * A weights file that cannot be read: malformed, hostile, truncated, or unreadable. The message is one
 * line naming the file, the tensor (where there is one) and the offending value, so a CLI can print it
 * as is. Unchecked, so model code can load weights without plumbing IOException through every layer.
 */
public class WeightsFormatException extends RuntimeException {
    public WeightsFormatException(String message) {
        super(oneLine(message));
    }

    public WeightsFormatException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Messages may quote hostile bytes (names, JSON excerpts): keep them on one line. */
    static String oneLine(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') b.append(' ');
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
