package dev.unitune.weights;

import dev.unitune.tensor.DType;

/**
 * The element types of the safetensors spec (also used to describe torch storages). Only some of them
 * exist as tensor {@link DType}s; {@link #naturalTensorType()} says what each loads as by default.
 */
public enum WeightDType {
    BOOL(1), U8(1), I8(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8), I64(8), U64(8),
    F8_E4M3(1), F8_E5M2(1);

    private final int byteSize;

    WeightDType(int byteSize) { this.byteSize = byteSize; }

    public int byteSize() { return byteSize; }

    public boolean isFloating() {
        return switch (this) {
            case F16, BF16, F32, F64, F8_E4M3, F8_E5M2 -> true;
            default -> false;
        };
    }

    /** Null if the string is not a spec dtype (callers add file and tensor to the error). */
    public static WeightDType parseOrNull(String s) {
        for (WeightDType d : values()) if (d.name().equals(s)) return d;
        return null;
    }

    public static WeightDType parse(String s) {
        WeightDType d = parseOrNull(s);
        if (d == null) throw new IllegalArgumentException("unknown safetensors dtype '" + s + "'");
        return d;
    }

    /**
     * The tensor dtype {@code load} gives: the same type where the tensor core has it; FP8 widens to F32;
     * narrow integers widen losslessly to I32; U32/U64 to I64 (U64 values above 2^63-1 are refused on load).
     */
    public DType naturalTensorType() {
        return switch (this) {
            case BOOL -> DType.BOOL;
            case U8 -> DType.U8;
            case I8, I16, U16, I32 -> DType.I32;
            case U32, I64, U64 -> DType.I64;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case F32, F8_E4M3, F8_E5M2 -> DType.F32;
            case F64 -> DType.F64;
        };
    }

    /** The stored type that holds a tensor dtype exactly. */
    public static WeightDType of(DType d) {
        return switch (d) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case F64 -> F64;
            case I32 -> I32;
            case I64 -> I64;
            case U8 -> U8;
            case BOOL -> BOOL;
        };
    }
}
