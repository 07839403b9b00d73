package dev.unitune.model.tokenizer;

/**
 * GPT-2 / CLIP byte-level alphabet: every byte 0..255 gets one printable Unicode character so that BPE can
 * work on arbitrary UTF-8 without a whitespace or control byte ever appearing in a token. Printable Latin-1
 * bytes map to themselves; the 68 others map to U+0100 upward in byte order.
 */
final class ByteSymbols {
    private static final char[] BYTE_TO_CHAR = build();

    private ByteSymbols() {}

    private static char[] build() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = printable[b] ? (char) b : (char) next++;
        return map;
    }

    /** The byte-symbol string of a piece of text's UTF-8 bytes. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(utf8.length);
        for (byte b : utf8) sb.append(BYTE_TO_CHAR[b & 0xFF]);
        return sb.toString();
    }

    static char symbol(int b) { return BYTE_TO_CHAR[b & 0xFF]; }
}
