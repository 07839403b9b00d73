package dev.unitune.tensor;

/**
 * Element types a tensor can hold. F64 exists so gradient checks can run the whole engine in double on
 * the CPU; device backends may refuse it with a clear message.
 */
public enum DType {
    F32(4, true), F16(2, true), BF16(2, true), F64(8, true),
    I32(4, false), I64(8, false), U8(1, false), BOOL(1, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return floating; }

    /** Lower-case name as users type it: f32, f16, bf16, ... */
    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static DType parse(String s) {
        for (DType d : values()) if (d.id().equalsIgnoreCase(s) || d.name().equalsIgnoreCase(s)) return d;
        throw new IllegalArgumentException("unknown dtype '" + s + "' (expected one of f32, f16, bf16, f64, i32, i64, u8, bool)");
    }
}
