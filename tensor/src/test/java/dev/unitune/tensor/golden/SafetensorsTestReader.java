package dev.unitune.tensor.golden;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only safetensors reader for F32 and I64 tensors (the tensor module cannot depend on weights-tools).
 * Layout: u64 little-endian header length N, N bytes of JSON, then the data buffer. Includes a minimal
 * JSON parser for the header (objects, arrays, strings, numbers).
 */
final class SafetensorsTestReader {
    record Entry(String dtype, int[] shape, double[] values) {}

    final Map<String, Entry> tensors = new LinkedHashMap<>();
    final Map<String, String> metadata = new LinkedHashMap<>();

    static SafetensorsTestReader fromResource(String path) throws IOException {
        try (InputStream in = SafetensorsTestReader.class.getResourceAsStream(path)) {
            if (in == null) throw new IOException("missing test resource " + path);
            return new SafetensorsTestReader(in.readAllBytes(), path);
        }
    }

    @SuppressWarnings("unchecked")
    SafetensorsTestReader(byte[] file, String name) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong();
        if (n <= 0 || 8 + n > file.length) throw new IOException(name + ": header length " + n + " does not fit the file (" + file.length + " bytes)");
        String json = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        Map<String, Object> header = (Map<String, Object>) new Json(json).value();
        int dataStart = 8 + (int) n;
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                for (Map.Entry<String, Object> m : ((Map<String, Object>) e.getValue()).entrySet()) metadata.put(m.getKey(), (String) m.getValue());
                continue;
            }
            Map<String, Object> t = (Map<String, Object>) e.getValue();
            String dtype = (String) t.get("dtype");
            List<Object> shapeList = (List<Object>) t.get("shape"), offs = (List<Object>) t.get("data_offsets");
            int[] shape = shapeList.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            long begin = ((Number) offs.get(0)).longValue(), end = ((Number) offs.get(1)).longValue();
            long count = 1;
            for (int d : shape) count *= d;
            int size = switch (dtype) { case "F32" -> 4; case "I64", "F64" -> 8; default -> throw new IOException(name + ": tensor " + e.getKey() + " has unsupported dtype " + dtype); };
            if (end - begin != count * size || dataStart + end > file.length)
                throw new IOException(name + ": tensor " + e.getKey() + " byte range [" + begin + ", " + end + ") does not hold " + count + " " + dtype);
            double[] v = new double[(int) count];
            ByteBuffer d = ByteBuffer.wrap(file, dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) v[i] = switch (dtype) { case "F32" -> d.getFloat(); case "F64" -> d.getDouble(); default -> d.getLong(); };
            tensors.put(e.getKey(), new Entry(dtype, shape, v));
        }
    }

    Entry get(String name) {
        Entry e = tensors.get(name);
        if (e == null) throw new IllegalArgumentException("golden file has no tensor '" + name + "'");
        return e;
    }

    /** Minimal JSON: enough for safetensors headers. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) { this.s = s; }

        Object value() throws IOException {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                skip();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    skip();
                    String k = string();
                    skip();
                    expect(':');
                    Object v = value();
                    if (m.put(k, v) != null) throw new IOException("duplicate key '" + k + "' in header");
                    skip();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                skip();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i) == ',') { i++; continue; }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') return string();
            int st = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String num = s.substring(st, i);
            if (num.isEmpty()) throw new IOException("unexpected '" + c + "' at header offset " + st);
            return num.contains(".") || num.contains("e") || num.contains("E") ? (Object) Double.parseDouble(num) : (Object) Long.parseLong(num);
        }

        private String string() throws IOException {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> { b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                    default -> b.append(e);
                }
            }
            i++;
            return b.toString();
        }

        private void expect(char c) throws IOException {
            if (s.charAt(i) != c) throw new IOException("expected '" + c + "' at header offset " + i + ", found '" + s.charAt(i) + "'");
            i++;
        }

        private void skip() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    }
}
