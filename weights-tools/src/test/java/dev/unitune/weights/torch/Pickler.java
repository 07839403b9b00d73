package dev.unitune.weights.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes the way Python's pickle (protocol 2) does for torch.save, for hand-made test files. */
public final class Pickler {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    public Pickler op(int b) { out.write(b); return this; }

    public Pickler proto() { return op(0x80).op(2); }
    public Pickler stop() { return op('.'); }
    public Pickler mark() { return op('('); }
    public Pickler tuple() { return op('t'); }
    public Pickler emptyTuple() { return op(')'); }
    public Pickler emptyDict() { return op('}'); }
    public Pickler emptyList() { return op(']'); }
    public Pickler reduce() { return op('R'); }
    public Pickler build() { return op('b'); }
    public Pickler setitems() { return op('u'); }
    public Pickler setitem() { return op('s'); }
    public Pickler append() { return op('a'); }
    public Pickler none() { return op('N'); }
    public Pickler bool(boolean b) { return op(b ? 0x88 : 0x89); }
    public Pickler persid() { return op('Q'); }
    public Pickler newobj() { return op(0x81); }

    /** BINPUT of the next memo slot (as Python does after most pushes). */
    public Pickler put() {
        int m = memo++;
        if (m < 256) return op('q').op(m);
        op('r');
        return le32(m);
    }

    public Pickler get(int m) { return m < 256 ? op('h').op(m) : op('j').le32(m); }

    public Pickler global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    public Pickler str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X').le32(b.length);
        return raw(b);
    }

    public Pickler integer(long v) {
        if (v >= 0 && v < 256) return op('K').op((int) v);
        if (v >= 0 && v < 65536) return op('M').op((int) v & 0xff).op((int) (v >>> 8));
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return op('J').le32((int) v);
        op(0x8a).op(8);
        for (int i = 0; i < 8; i++) op((int) (v >>> (8 * i)) & 0xff);
        return this;
    }

    public Pickler floating(double d) {
        op('G');
        long bits = Double.doubleToLongBits(d);
        for (int i = 7; i >= 0; i--) op((int) (bits >>> (8 * i)) & 0xff);
        return this;
    }

    public Pickler ints(long... v) {
        if (v.length == 0) return emptyTuple();
        if (v.length <= 3) {
            for (long x : v) integer(x);
            return op(0x84 + v.length);
        }
        mark();
        for (long x : v) integer(x);
        return tuple();
    }

    public Pickler le32(int v) {
        for (int i = 0; i < 4; i++) op((v >>> (8 * i)) & 0xff);
        return this;
    }

    public Pickler raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** torch._utils._rebuild_tensor_v2(storage(key), offset, size, stride, False, OrderedDict()). */
    public Pickler tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").put();
        mark();
        mark().str("storage").put().global("torch", storageClass).put().str(key).put().str("cpu").put().integer(numel).tuple().put();
        persid().put();
        integer(offset).ints(size).put().ints(stride).put().bool(false);
        global("collections", "OrderedDict").put().emptyTuple().reduce().put();
        tuple().put();
        return reduce().put();
    }

    public byte[] bytes() { return out.toByteArray(); }
}
