package org.moelab.tensor;

import java.util.Optional;

/**
 * Element types moelab reads. Model weights must be one of the floating types; U8 and I32 appear only
 * in moelab's own quantized artifacts (packed codes, bit-widths). Anything else is rejected by name.
 */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    U8("U8", 1),
    I32("I32", 4),
    /** Only in moelab's own resumable work files (exact doubles: energies, costs); never model weights. */
    F64("F64", 8);

    private final String safetensorsName;
    private final int bytes;

    DType(String safetensorsName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** A float rounded to bf16 (round to nearest even; NaN stays a quiet NaN), as Hugging Face stores it. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public int bytes() {
        return bytes;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public static Optional<DType> fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) return Optional.of(t);
        }
        return Optional.empty();
    }
}
