package dev.unitune.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header (the JSON between the length prefix and the data buffer)
 * against the spec and its security audit: strict JSON without duplicate keys, string-only metadata,
 * known dtypes, overflow-checked sizes, and offsets that tile the data buffer exactly.
 */
final class SafetensorsHeader {
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    /**
     * Strict JSON: duplicate keys and trailing data are errors. Jackson's default 20M-character string
     * cap is raised to the header cap, so any metadata value that fits a valid header is accepted;
     * nesting stays capped at Jackson's default depth (1000).
     */
    static final ObjectMapper JSON = JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
                    .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    /** One tensor entry with its offsets relative to the data buffer. */
    record Entry(TensorInfo info, WeightDType dtype, long begin, long end) {}

    final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();

    private SafetensorsHeader() {}

    /**
     * @param file       label for errors (the path)
     * @param header     exactly the N header bytes
     * @param dataLength bytes after the header (file size - 8 - N)
     */
    static SafetensorsHeader parse(String file, ByteBuffer header, long dataLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(header).toString();
        } catch (CharacterCodingException e) {
            throw new WeightsFormatException(file + ": header is not valid UTF-8");
        }
        if (text.isEmpty() || text.charAt(0) != '{')
            throw new WeightsFormatException(file + ": header does not start with '{' (first byte "
                    + (text.isEmpty() ? "none" : quoteChar(text.charAt(0))) + ")");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new WeightsFormatException(file + ": header is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at char " + e.getLocation().getCharOffset() : ""));
        }
        if (root == null || !root.isObject())
            throw new WeightsFormatException(file + ": header is not a JSON object");

        SafetensorsHeader h = new SafetensorsHeader();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA_KEY)) h.readMetadata(file, e.getValue());
            else h.readEntry(file, e.getKey(), e.getValue());
        }
        h.checkTiling(file, dataLength);
        return h;
    }

    private void readMetadata(String file, JsonNode node) {
        if (!node.isObject()) throw new WeightsFormatException(file + ": __metadata__ is a " + node.getNodeType() + ", expected an object of strings");
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual())
                throw new WeightsFormatException(file + ": __metadata__ value of '" + e.getKey() + "' is a "
                        + e.getValue().getNodeType() + " (" + excerpt(e.getValue()) + "), expected a string");
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private void readEntry(String file, String name, JsonNode node) {
        String where = file + ": tensor '" + name + "'";
        if (name.indexOf('\0') >= 0) throw new WeightsFormatException(file + ": tensor name '" + name + "' contains a NUL character");
        if (!node.isObject()) throw new WeightsFormatException(where + ": entry is a " + node.getNodeType() + ", expected an object");
        JsonNode dt = node.get("dtype"), sh = node.get("shape"), off = node.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new WeightsFormatException(where + ": missing or non-string dtype (" + excerpt(dt) + ")");
        WeightDType dtype = WeightDType.parseOrNull(dt.textValue());
        if (dtype == null) throw new WeightsFormatException(where + ": unknown dtype '" + dt.textValue() + "'");
        if (sh == null || !sh.isArray()) throw new WeightsFormatException(where + ": missing or non-array shape (" + excerpt(sh) + ")");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(sh.get(i), where + ": shape[" + i + "]");
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new WeightsFormatException(where + ": shape " + excerpt(sh) + " overflows 64 bits");
            }
        }
        if (off == null || !off.isArray() || off.size() != 2)
            throw new WeightsFormatException(where + ": data_offsets must be [begin, end], got " + excerpt(off));
        long begin = nonNegativeLong(off.get(0), where + ": data_offsets[0]");
        long end = nonNegativeLong(off.get(1), where + ": data_offsets[1]");
        if (begin > end) throw new WeightsFormatException(where + ": data_offsets begin " + begin + " > end " + end);
        long size;
        try {
            size = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw new WeightsFormatException(where + ": shape " + excerpt(sh) + " x " + dtype + " size overflows 64 bits");
        }
        if (end - begin != size)
            throw new WeightsFormatException(where + ": data_offsets [" + begin + ", " + end + ") hold " + (end - begin)
                    + " bytes but shape " + excerpt(sh) + " x " + dtype + " needs " + size);
        entries.put(name, new Entry(new TensorInfo(name, dtype.name(), shape, size), dtype, begin, end));
    }

    /** Sorted by begin, the tensors must cover [0, dataLength) exactly: no gap, no overlap, nothing after. */
    private void checkTiling(String file, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        for (Entry e : sorted) {
            if (e.begin() < cursor)
                throw new WeightsFormatException(file + ": tensor '" + e.info().name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + ") overlap the previous tensor, which ends at " + cursor);
            if (e.begin() > cursor)
                throw new WeightsFormatException(file + ": tensor '" + e.info().name() + "' data_offsets [" + e.begin() + ", "
                        + e.end() + ") leave a gap after byte " + cursor);
            cursor = e.end();
        }
        if (cursor > dataLength)
            throw new WeightsFormatException(file + ": tensors need " + cursor + " data bytes but the file holds " + dataLength
                    + " (truncated?)");
        if (cursor < dataLength)
            throw new WeightsFormatException(file + ": " + (dataLength - cursor) + " bytes after the last tensor (data ends at "
                    + cursor + ", file holds " + dataLength + ")");
    }

    private static long nonNegativeLong(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0)
            throw new WeightsFormatException(what + " is " + excerpt(n) + ", expected an integer in [0, 2^63)");
        return n.longValue();
    }

    static String excerpt(JsonNode n) {
        if (n == null) return "missing";
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String quoteChar(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("0x%02x", (int) c);
    }
}
