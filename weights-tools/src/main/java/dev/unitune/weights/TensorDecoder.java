package dev.unitune.weights;

import dev.unitune.tensor.DType;
import dev.unitune.tensor.Half;

import java.nio.ByteBuffer;

/**
 * Turns stored bytes of any {@link WeightDType} into the host array {@code Backend.fromHost} takes for a
 * target {@link DType}. Float targets convert exactly where the target can hold the value and round to
 * nearest even otherwise; integer targets refuse values they cannot hold (naming the tensor).
 */
public final class TensorDecoder {
    private TensorDecoder() {}

    /** @param what "file: tensor 'name'" for error messages */
    public static Object decode(ByteRange src, WeightDType stored, int numel, DType target, String what) {
        long expect = (long) numel * stored.byteSize();
        if (src.size() != expect)
            throw new WeightsFormatException(what + ": has " + src.size() + " bytes, expected " + expect);
        return switch (target) {
            case F32 -> toFloats(src, stored, numel);
            case F64 -> toDoubles(src, stored, numel);
            case F16, BF16 -> toHalves(src, stored, numel, target);
            case I32 -> toInts(src, stored, numel, what);
            case I64 -> toLongs(src, stored, numel, what);
            case U8, BOOL -> toBytes(src, stored, numel, target, what);
        };
    }

    /** Calls body(buffer, firstElement, count) for each piece of the range. */
    private interface PieceBody { void accept(ByteBuffer b, int first, int count); }

    private static void forPieces(ByteRange src, WeightDType stored, int numel, PieceBody body) {
        int es = stored.byteSize();
        int perPiece = ByteRange.MAX_PIECE / es;
        for (int first = 0; first < numel; first += perPiece) {
            int count = Math.min(perPiece, numel - first);
            body.accept(src.piece((long) first * es, count * es), first, count);
        }
    }

    static float[] toFloats(ByteRange src, WeightDType stored, int numel) {
        float[] out = new float[numel];
        forPieces(src, stored, numel, (b, first, count) -> {
            switch (stored) {
                case F32 -> b.asFloatBuffer().get(out, first, count);
                case F16 -> { for (int i = 0; i < count; i++) out[first + i] = Half.f16ToFloat(b.getShort(2 * i)); }
                case BF16 -> { for (int i = 0; i < count; i++) out[first + i] = Half.bf16ToFloat(b.getShort(2 * i)); }
                case F8_E4M3 -> { for (int i = 0; i < count; i++) out[first + i] = FloatBits.e4m3ToFloat(b.get(i)); }
                case F8_E5M2 -> { for (int i = 0; i < count; i++) out[first + i] = FloatBits.e5m2ToFloat(b.get(i)); }
                case F64 -> { for (int i = 0; i < count; i++) out[first + i] = (float) b.getDouble(8 * i); }
                case U64 -> { for (int i = 0; i < count; i++) out[first + i] = unsignedToFloat(b.getLong(8 * i)); }
                default -> { for (int i = 0; i < count; i++) out[first + i] = (float) readInteger(b, stored, i); }
            }
        });
        return out;
    }

    static double[] toDoubles(ByteRange src, WeightDType stored, int numel) {
        double[] out = new double[numel];
        forPieces(src, stored, numel, (b, first, count) -> {
            switch (stored) {
                case F64 -> b.asDoubleBuffer().get(out, first, count);
                case F32 -> { for (int i = 0; i < count; i++) out[first + i] = b.getFloat(4 * i); }
                case F16 -> { for (int i = 0; i < count; i++) out[first + i] = Half.f16ToFloat(b.getShort(2 * i)); }
                case BF16 -> { for (int i = 0; i < count; i++) out[first + i] = Half.bf16ToFloat(b.getShort(2 * i)); }
                case F8_E4M3 -> { for (int i = 0; i < count; i++) out[first + i] = FloatBits.e4m3ToFloat(b.get(i)); }
                case F8_E5M2 -> { for (int i = 0; i < count; i++) out[first + i] = FloatBits.e5m2ToFloat(b.get(i)); }
                case U64 -> { for (int i = 0; i < count; i++) out[first + i] = unsignedToDouble(b.getLong(8 * i)); }
                default -> { for (int i = 0; i < count; i++) out[first + i] = readInteger(b, stored, i); }
            }
        });
        return out;
    }

    private static short[] toHalves(ByteRange src, WeightDType stored, int numel, DType target) {
        short[] out = new short[numel];
        boolean same = (target == DType.F16 && stored == WeightDType.F16) || (target == DType.BF16 && stored == WeightDType.BF16);
        if (same) {
            forPieces(src, stored, numel, (b, first, count) -> b.asShortBuffer().get(out, first, count));
            return out;
        }
        // Through float32: exact for every stored float type narrower than F32, and F32/F64 round once.
        // (F64 -> F32 -> F16 can double-round; the error is within one half-ulp of the target.)
        float[] f = toFloats(src, stored, numel);
        for (int i = 0; i < numel; i++) out[i] = target == DType.F16 ? Half.floatToF16(f[i]) : Half.floatToBf16(f[i]);
        return out;
    }

    private static int[] toInts(ByteRange src, WeightDType stored, int numel, String what) {
        int[] out = new int[numel];
        forPieces(src, stored, numel, (b, first, count) -> {
            if (stored == WeightDType.I32) { b.asIntBuffer().get(out, first, count); return; }
            for (int i = 0; i < count; i++) {
                long v = stored.isFloating() ? truncate(b, stored, i, what, first + i) : readInteger(b, stored, i);
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || (stored == WeightDType.U64 && b.getLong(8 * i) < 0))
                    throw outOfRange(what, first + i, stored, "I32");
                out[first + i] = (int) v;
            }
        });
        return out;
    }

    private static long[] toLongs(ByteRange src, WeightDType stored, int numel, String what) {
        long[] out = new long[numel];
        forPieces(src, stored, numel, (b, first, count) -> {
            if (stored == WeightDType.I64) { b.asLongBuffer().get(out, first, count); return; }
            for (int i = 0; i < count; i++) {
                if (stored == WeightDType.U64 && b.getLong(8 * i) < 0) throw outOfRange(what, first + i, stored, "I64");
                out[first + i] = stored.isFloating() ? truncate(b, stored, i, what, first + i) : readInteger(b, stored, i);
            }
        });
        return out;
    }

    private static byte[] toBytes(ByteRange src, WeightDType stored, int numel, DType target, String what) {
        byte[] out = new byte[numel];
        forPieces(src, stored, numel, (b, first, count) -> {
            for (int i = 0; i < count; i++) {
                if (target == DType.BOOL) {
                    boolean nz = stored.isFloating() ? readFloating(b, stored, i) != 0 : readInteger(b, stored, i) != 0;
                    out[first + i] = (byte) (nz ? 1 : 0);
                } else {
                    long v = stored.isFloating() ? truncate(b, stored, i, what, first + i) : readInteger(b, stored, i);
                    if (v < 0 || v > 255 || (stored == WeightDType.U64 && b.getLong(8 * i) < 0))
                        throw outOfRange(what, first + i, stored, "U8");
                    out[first + i] = (byte) v;
                }
            }
        });
        return out;
    }

    private static WeightsFormatException outOfRange(String what, int index, WeightDType stored, String target) {
        return new WeightsFormatException(what + ": " + stored + " element " + index + " does not fit in " + target);
    }

    /** Element i of an integer-typed piece as a long (U64 as its raw bits; callers check the sign). */
    private static long readInteger(ByteBuffer b, WeightDType t, int i) {
        return switch (t) {
            case BOOL, U8 -> b.get(i) & 0xff;
            case I8 -> b.get(i);
            case I16 -> b.getShort(2 * i);
            case U16 -> b.getShort(2 * i) & 0xffff;
            case I32 -> b.getInt(4 * i);
            case U32 -> b.getInt(4 * i) & 0xffffffffL;
            case I64, U64 -> b.getLong(8 * i);
            default -> throw new IllegalStateException(t + " is not an integer type");
        };
    }

    private static double readFloating(ByteBuffer b, WeightDType t, int i) {
        return switch (t) {
            case F32 -> b.getFloat(4 * i);
            case F64 -> b.getDouble(8 * i);
            case F16 -> Half.f16ToFloat(b.getShort(2 * i));
            case BF16 -> Half.bf16ToFloat(b.getShort(2 * i));
            case F8_E4M3 -> FloatBits.e4m3ToFloat(b.get(i));
            case F8_E5M2 -> FloatBits.e5m2ToFloat(b.get(i));
            default -> throw new IllegalStateException(t + " is not a float type");
        };
    }

    /** Float element truncated toward zero (like a cast); NaN and infinities cannot become integers. */
    private static long truncate(ByteBuffer b, WeightDType t, int i, String what, int index) {
        double v = readFloating(b, t, i);
        if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) >= 0x1p63)
            throw new WeightsFormatException(what + ": element " + index + " = " + v + " cannot be converted to an integer");
        return (long) v;
    }

    private static float unsignedToFloat(long v) { return (float) unsignedToDouble(v); }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
    }
}
