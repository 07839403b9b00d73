package dev.unitune.weights.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pickle reader that executes nothing: it knows only the opcodes torch.load(weights_only=True) allows
 * and the globals of {@link TorchGlobals}, builds plain Java values, and enforces caps on size, opcode
 * count, nesting depth, stack and memo. Any other opcode or global is refused by name.
 */
final class RestrictedUnpickler {
    private final ByteBuffer in;
    private final String file;
    private final PickleLimits limits;
    private final Function<PyValues.Tuple, Object> persistentLoad;

    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final HashMap<Long, Object> memo = new HashMap<>();
    private long ops;

    /**
     * @param in             the pickle bytes from its position; on return the position is just after STOP
     * @param persistentLoad turns a BINPERSID tuple into a value (a storage reference)
     */
    RestrictedUnpickler(ByteBuffer in, String file, PickleLimits limits, Function<PyValues.Tuple, Object> persistentLoad) {
        this.in = in;
        this.file = file;
        this.limits = limits;
        this.persistentLoad = persistentLoad;
    }

    Object load() {
        int start = in.position();
        try {
            while (true) {
                if (++ops > limits.maxOps()) throw fail("more than " + limits.maxOps() + " opcodes (pickle bomb?)");
                if (in.position() - start > limits.maxPickleBytes()) throw fail("pickle larger than " + limits.maxPickleBytes() + " bytes");
                int pos = in.position();
                int op = u8();
                if (op == '.') { // STOP
                    if (markCount != 0) throw fail("STOP inside an open MARK");
                    return pop(op);
                }
                step(op, pos);
            }
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw fail("truncated pickle (ends inside an opcode at byte " + in.position() + ")");
        }
    }

    private void step(int op, int pos) {
        switch (op) {
            case 0x80 -> { // PROTO
                int v = u8();
                if (v < 2 || v > 5) throw fail("unsupported pickle protocol " + v);
            }
            case 'c' -> push(TorchGlobals.resolve(line(), line(), file)); // GLOBAL
            case 'Q' -> { // BINPERSID
                Object pid = pop(op);
                if (!(pid instanceof PyValues.Tuple t)) throw fail("persistent id is a " + typeName(pid) + ", expected a tuple");
                push(persistentLoad.apply(t));
            }
            case 'R' -> { // REDUCE
                Object args = pop(op), fn = pop(op);
                if (!(args instanceof PyValues.Tuple t)) throw fail("REDUCE arguments are a " + typeName(args) + ", expected a tuple");
                push(call(fn, t));
            }
            case 0x81 -> { // NEWOBJ
                Object args = pop(op), cls = pop(op);
                if (!(args instanceof PyValues.Tuple t)) throw fail("NEWOBJ arguments are a " + typeName(args));
                push(newObject(cls, t));
            }
            case 'b' -> build(pop(op), peek(op));
            case 'a' -> { // APPEND
                Object v = pop(op);
                list(peek(op), "APPEND").add(v);
            }
            case 'e' -> { // APPENDS
                List<Object> items = popMark(op);
                list(peek(op), "APPENDS").addAll(items);
            }
            case 's' -> { // SETITEM
                Object v = pop(op), k = pop(op);
                put(dict(peek(op), "SETITEM"), k, v);
            }
            case 'u' -> { // SETITEMS
                List<Object> items = popMark(op);
                if (items.size() % 2 != 0) throw fail("SETITEMS with an odd number of items");
                Map<Object, Object> d = dict(peek(op), "SETITEMS");
                for (int i = 0; i < items.size(); i += 2) put(d, items.get(i), items.get(i + 1));
            }
            case '(' -> { // MARK
                if (markCount >= limits.maxDepth()) throw fail("nesting deeper than " + limits.maxDepth());
                if (markCount == marks.length) marks = Arrays.copyOf(marks, marks.length * 2);
                marks[markCount++] = stack.size();
            }
            case 't' -> push(new PyValues.Tuple(popMark(op)));
            case 0x85 -> push(tuple(1, op));
            case 0x86 -> push(tuple(2, op));
            case 0x87 -> push(tuple(3, op));
            case ')' -> push(new PyValues.Tuple(List.of()));
            case ']' -> push(new ArrayList<>());
            case '}' -> push(new LinkedHashMap<>());
            case 0x8f -> push(new PyValues.EmptySet());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) in.order(ByteOrder.LITTLE_ENDIAN).getInt());
            case 'K' -> push((long) u8());
            case 'M' -> push((long) (in.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff));
            case 'G' -> push(in.order(ByteOrder.BIG_ENDIAN).getDouble());
            case 0x8a -> push(long1());
            case 'X' -> { // BINUNICODE
                long n = in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                push(new String(bytes(n), StandardCharsets.UTF_8));
            }
            case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
            case 'h' -> push(memoGet(u8()));
            case 'j' -> push(memoGet(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL));
            case 'q' -> memoPut(u8(), op);
            case 'r' -> memoPut(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL, op);
            default -> throw fail("refused opcode 0x" + Integer.toHexString(op)
                    + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "") + " at byte " + pos);
        }
    }

    // ---- calls: only the allowed globals, each with checked arguments ---------------------------------------

    private Object call(Object fn, PyValues.Tuple a) {
        if (fn instanceof PyValues.Placeholder p) return p; // harmless class: stays inert
        if (!(fn instanceof PyValues.Global g)) throw fail("REDUCE on a " + typeName(fn) + ", which is not callable here");
        switch (g.qualified()) {
            case "collections.OrderedDict": {
                LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> pairs) { // Python 2 pickles: OrderedDict([[k, v], ...])
                    for (Object pair : pairs) {
                        List<Object> kv = pair instanceof PyValues.Tuple t ? t.items() : pair instanceof List<?> l ? new ArrayList<>(l) : null;
                        if (kv == null || kv.size() != 2) throw fail("OrderedDict item is not a (key, value) pair");
                        put(m, kv.get(0), kv.get(1));
                    }
                } else if (a.size() != 0) throw fail("OrderedDict called with " + a.size() + " arguments");
                return m;
            }
            case "torch._utils._rebuild_tensor_v2":
                if (a.size() < 4 || a.size() > 7) throw fail("_rebuild_tensor_v2 called with " + a.size() + " arguments");
                return tensor(a);
            case "torch._utils._rebuild_tensor":
                if (a.size() != 4) throw fail("_rebuild_tensor called with " + a.size() + " arguments");
                return tensor(a);
            case "torch._utils._rebuild_parameter":
            case "torch.nn.parameter.Parameter":
                if (a.size() < 1 || a.size() > 3 || !(a.get(0) instanceof PyValues.TensorRef t))
                    throw fail(g.qualified() + " needs a tensor as first argument");
                return t;
            case "torch.Size":
                if (a.size() != 1 || !(a.get(0) instanceof PyValues.Tuple t)) throw fail("torch.Size needs one tuple");
                return t;
            case "_codecs.encode":
                if (a.size() != 2 || !(a.get(0) instanceof String s) || !(a.get(1) instanceof String enc)
                        || !(enc.equals("latin1") || enc.equals("latin-1")))
                    throw fail("_codecs.encode is allowed only as encode(str, 'latin1')");
                return s.getBytes(StandardCharsets.ISO_8859_1);
            default:
                throw fail("global '" + g.qualified() + "' is not callable");
        }
    }

    private PyValues.TensorRef tensor(PyValues.Tuple a) {
        if (!(a.get(0) instanceof PyValues.StorageRef s)) throw fail("tensor storage is a " + typeName(a.get(0)) + ", expected a storage");
        long offset = integer(a.get(1), "tensor storage offset");
        long[] size = longs(a.get(2), "tensor size");
        long[] stride = longs(a.get(3), "tensor stride");
        if (size.length != stride.length) throw fail("tensor size has " + size.length + " dims but stride has " + stride.length);
        return new PyValues.TensorRef(s, offset, size, stride);
    }

    private Object newObject(Object cls, PyValues.Tuple args) {
        if (cls instanceof PyValues.Placeholder p) return p;
        if (cls instanceof PyValues.Global g && g.qualified().equals("collections.OrderedDict") && args.size() == 0)
            return new LinkedHashMap<>();
        throw fail("NEWOBJ of a " + typeName(cls) + " is not allowed");
    }

    /** BUILD sets attributes: accepted (and ignored) only on dicts, placeholders and tensors. */
    private void build(Object state, Object target) {
        if (target instanceof Map || target instanceof PyValues.Placeholder || target instanceof PyValues.TensorRef) return;
        throw fail("BUILD on a " + typeName(target) + " is not allowed");
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private long long1() {
        int n = u8();
        if (n > 16) throw fail("integer of " + n + " bytes is too large");
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        if (v.bitLength() > 63) return Long.MIN_VALUE; // only the legacy magic number is this big; never a size
        return v.longValue();
    }

    private PyValues.Tuple tuple(int n, int op) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop(op);
        return new PyValues.Tuple(Arrays.asList(items));
    }

    private List<Object> popMark(int op) {
        if (markCount == 0) throw fail("opcode 0x" + Integer.toHexString(op) + " without a MARK");
        int m = marks[--markCount];
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void push(Object v) {
        if (stack.size() >= limits.maxStack()) throw fail("stack deeper than " + limits.maxStack());
        stack.add(v);
    }

    private Object pop(int op) {
        int floor = markCount > 0 ? marks[markCount - 1] : 0;
        if (stack.size() <= floor) throw fail("stack underflow at opcode 0x" + Integer.toHexString(op));
        return stack.remove(stack.size() - 1);
    }

    private Object peek(int op) {
        int floor = markCount > 0 ? marks[markCount - 1] : 0;
        if (stack.size() <= floor) throw fail("stack underflow at opcode 0x" + Integer.toHexString(op));
        return stack.get(stack.size() - 1);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String opName) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail(opName + " on a " + typeName(o) + ", expected a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String opName) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail(opName + " on a " + typeName(o) + ", expected a dict");
    }

    /**
     * Keys must be plain values: hashing a deeply nested tuple would recurse without bound. Placeholders
     * are allowed because Lightning 1.x keys its callbacks dict by the callback class.
     */
    private void put(Map<Object, Object> m, Object k, Object v) {
        if (!(k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                || k instanceof PyValues.Placeholder))
            throw fail("dict key of type " + typeName(k) + " is not supported");
        m.put(k, v);
    }

    private Object memoGet(long idx) {
        if (!memo.containsKey(idx)) throw fail("unknown memo id " + idx);
        return memo.get(idx);
    }

    private void memoPut(long idx, int op) {
        if (!memo.containsKey(idx) && memo.size() >= limits.maxMemo()) throw fail("memo larger than " + limits.maxMemo() + " entries");
        memo.put(idx, peek(op));
    }

    private int u8() { return in.get() & 0xff; }

    private byte[] bytes(long n) {
        if (n > in.remaining()) throw fail("string of " + n + " bytes runs past the end of the pickle");
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    /** A GLOBAL operand: printable ASCII up to a newline, at most 256 characters. */
    private String line() {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return b.toString();
            if (c < 0x20 || c >= 0x7f || b.length() >= 256) throw fail("malformed GLOBAL name");
            b.append((char) c);
        }
    }

    private long integer(Object o, String what) {
        if (o instanceof Long l && l != Long.MIN_VALUE) return l;
        throw fail(what + " is a " + typeName(o) + ", expected an integer");
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof PyValues.Tuple t)) throw fail(what + " is a " + typeName(o) + ", expected a tuple");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(t.get(i), what + "[" + i + "]");
        return out;
    }

    /** A short type description for messages (never the value: it may be huge or cyclic). */
    static String typeName(Object o) {
        if (o == null) return "None";
        if (o instanceof PyValues.Global g) return "global " + g.qualified();
        if (o instanceof PyValues.Placeholder p) return p.qualifiedName() + " object";
        if (o instanceof PyValues.StorageType s) return "storage class torch." + s.name();
        if (o instanceof PyValues.TensorRef) return "tensor";
        if (o instanceof PyValues.StorageRef) return "storage";
        if (o instanceof PyValues.Tuple) return "tuple";
        if (o instanceof List) return "list";
        if (o instanceof Map) return "dict";
        if (o instanceof String) return "str";
        if (o instanceof Long) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof Boolean) return "bool";
        if (o instanceof byte[]) return "bytes";
        return o.getClass().getSimpleName();
    }

    private PickleException fail(String why) {
        return new PickleException(file + ": " + why);
    }
}
