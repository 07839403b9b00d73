package dev.unitune.model.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP byte-level BPE tokenizer (openai/CLIP simple_tokenizer, transformers' slow CLIPTokenizer):
 * clean the text, split it with CLIP's regex, map each piece's UTF-8 bytes to byte symbols, apply BPE with
 * "&lt;/w&gt;" end-of-word marks, and look the pieces up in vocab.json. {@link #encode} wraps the ids in
 * &lt;|startoftext|&gt; ... &lt;|endoftext|&gt;, truncates to {@code maxLength} and pads with the pad id:
 * &lt;|endoftext|&gt; for SD 1.x (openai/clip-vit-large-patch14), id 0 ("!") for SD 2.x (OpenCLIP).
 */
public final class ClipTokenizer {
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final int DEFAULT_MAX_LENGTH = 77;

    /** How text is normalised before splitting: as the reference does with ftfy, or without it. */
    public enum Normalization { FTFY_LIKE, NO_FTFY }

    // CLIP's pre-tokeniser; the reference compiles it case-insensitive, which only matters for the
    // contractions and the special tokens since text is lower-cased first. \s is Python's (see PythonText).
    private static final String PY_SPACE = "\\t\\n\\x0B\\f\\r\\x1C-\\x1F\\x85\\p{Z}";
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^" + PY_SPACE + "\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final Map<String, Integer> vocab;
    private final BytePairEncoder bpe;
    private final int bosId, eosId, padId, maxLength;
    private final Normalization normalization;
    private final Pattern special;
    private final String extraSpecial; // tokens split off the text before cleaning, as the reference's added tokens

    private ClipTokenizer(Map<String, Integer> vocab, BytePairEncoder bpe, int padId, int maxLength, Normalization normalization,
                          String extraSpecial) {
        this.vocab = vocab;
        this.bpe = bpe;
        this.bosId = requireId(vocab, START_OF_TEXT);
        this.eosId = requireId(vocab, END_OF_TEXT);
        this.padId = padId;
        this.maxLength = maxLength;
        this.normalization = normalization;
        this.extraSpecial = extraSpecial;
        this.special = Pattern.compile(Pattern.quote(START_OF_TEXT) + "|" + Pattern.quote(END_OF_TEXT)
                + (extraSpecial == null ? "" : "|" + Pattern.quote(extraSpecial)));
        if (maxLength < 2) throw new IllegalArgumentException("CLIP tokenizer max length " + maxLength + " leaves no room for BOS and EOS");
    }

    private static int requireId(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("CLIP vocab has no " + token + " token");
        return id;
    }

    /** The CLIP ViT-L/14 vocabulary bundled with UniTune, SD 1.x padding (with &lt;|endoftext|&gt;). */
    public static ClipTokenizer bundled() {
        try (InputStream v = resource("vocab.json"); InputStream m = resource("merges.txt")) {
            return load(v, "bundled vocab.json", m, "bundled merges.txt");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled CLIP vocabulary: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ClipTokenizer.class.getResourceAsStream(name);
        if (in == null) throw new IOException("missing resource dev/unitune/model/tokenizer/" + name);
        return in;
    }

    /** Loads vocab.json (token -> id) and merges.txt ("left right" per line, optional "#version" header). */
    public static ClipTokenizer fromFiles(Path vocabJson, Path mergesTxt) throws IOException {
        try (InputStream v = Files.newInputStream(vocabJson); InputStream m = Files.newInputStream(mergesTxt)) {
            return load(v, vocabJson.toString(), m, mergesTxt.toString());
        }
    }

    private static ClipTokenizer load(InputStream vocabIn, String vocabName, InputStream mergesIn, String mergesName) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Map<String, Integer> vocab;
        try {
            vocab = json.readValue(vocabIn, new TypeReference<LinkedHashMap<String, Integer>>() {});
        } catch (IOException e) {
            throw new IOException(vocabName + ": not a token -> id JSON object: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        List<String[]> merges = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(mergesIn, StandardCharsets.UTF_8));
        String line;
        int lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("#version")) continue;
            if (line.isEmpty()) continue;
            String[] pair = line.split(" ");
            if (pair.length != 2) throw new IOException(mergesName + " line " + lineNo + ": expected 'left right', got '" + line + "'");
            merges.add(pair);
        }
        return new ClipTokenizer(vocab, new BytePairEncoder(merges), requireId(vocab, END_OF_TEXT), DEFAULT_MAX_LENGTH, Normalization.FTFY_LIKE, null);
    }

    /** Same vocabulary, padding with another id; the text is tokenised as before. */
    public ClipTokenizer withPadId(int id) { return new ClipTokenizer(vocab, bpe, id, maxLength, normalization, extraSpecial); }

    /**
     * Same vocabulary, padding with a token given as text, which also becomes a special token as in the
     * reference: the SD 2.x tokenizer declares pad_token "!", so "!" in a prompt is split off and mapped to
     * id 0 one character at a time ("world!!!" gives world, 0, 0, 0 instead of world, "!!!&lt;/w&gt;").
     */
    public ClipTokenizer withPadToken(String token) {
        int id = requireId(vocab, token);
        boolean builtIn = token.equals(START_OF_TEXT) || token.equals(END_OF_TEXT);
        return new ClipTokenizer(vocab, bpe, id, maxLength, normalization, builtIn ? null : token);
    }

    public ClipTokenizer withMaxLength(int n) { return new ClipTokenizer(vocab, bpe, padId, n, normalization, extraSpecial); }

    public ClipTokenizer withNormalization(Normalization n) { return new ClipTokenizer(vocab, bpe, padId, maxLength, n, extraSpecial); }

    public int bosId() { return bosId; }
    public int eosId() { return eosId; }
    public int padId() { return padId; }
    public int maxLength() { return maxLength; }
    public int vocabSize() { return vocab.size(); }

    /** The normalised text the regex split sees. */
    public String normalize(String text) {
        return normalization == Normalization.FTFY_LIKE ? FtfyLikeCleaner.clean(text) : BasicTextCleaner.clean(text);
    }

    /** BPE pieces in the byte-symbol alphabet, without BOS/EOS; special tokens inside the text stay whole. */
    public List<String> tokenize(String text) {
        List<String> pieces = new ArrayList<>();
        // Special tokens are split off before cleaning, as the reference's added-token handling does.
        Matcher special = this.special.matcher(text);
        int start = 0;
        while (special.find()) {
            tokenizeChunk(text.substring(start, special.start()), pieces);
            pieces.add(special.group());
            start = special.end();
        }
        tokenizeChunk(text.substring(start), pieces);
        return pieces;
    }

    private void tokenizeChunk(String chunk, List<String> out) {
        if (chunk.isEmpty()) return;
        Matcher m = SPLIT.matcher(normalize(chunk));
        while (m.find()) {
            String word = m.group();
            if (word.equals(START_OF_TEXT) || word.equals(END_OF_TEXT)) { out.add(word); continue; }
            out.addAll(Arrays.asList(bpe.encode(ByteSymbols.encode(word))));
        }
    }

    /** Ids of the text with BOS and EOS, no truncation or padding. */
    public int[] encodeUntruncated(String text) {
        List<String> pieces = tokenize(text);
        int[] ids = new int[pieces.size() + 2];
        ids[0] = bosId;
        for (int i = 0; i < pieces.size(); i++) ids[i + 1] = vocab.getOrDefault(pieces.get(i), eosId); // unk = <|endoftext|>
        ids[ids.length - 1] = eosId;
        return ids;
    }

    /** BOS + at most maxLength-2 content ids + EOS, padded with the pad id to exactly maxLength. */
    public int[] encode(String text) {
        int[] full = encodeUntruncated(text);
        int[] out = new int[maxLength];
        Arrays.fill(out, padId);
        int content = Math.min(full.length - 2, maxLength - 2);
        out[0] = bosId;
        System.arraycopy(full, 1, out, 1, content);
        out[content + 1] = eosId;
        return out;
    }

    /** Whether the text has more content tokens than fit (encode drops the rest). */
    public boolean truncates(String text) { return encodeUntruncated(text).length > maxLength; }

    /** A batch of texts as a [batch, maxLength] row-major id array. */
    public long[] encodeBatch(List<String> texts) {
        long[] out = new long[texts.size() * maxLength];
        for (int b = 0; b < texts.size(); b++) {
            int[] ids = encode(texts.get(b));
            for (int i = 0; i < maxLength; i++) out[b * maxLength + i] = ids[i];
        }
        return out;
    }
}
