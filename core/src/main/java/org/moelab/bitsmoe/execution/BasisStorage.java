package org.moelab.bitsmoe.execution;

import java.util.Locale;

/**
 * How BitsMoE's shared bases are stored and run (methods.md §1.1: "[choice] default bf16, option int8
 * (group 128)"; f32 keeps the decomposition's own floats).
 */
public enum BasisStorage {
    BF16, F32,
    /** Symmetric absmax int8 codes, one fp16 scale per {@link SharedBasis#INT8_GROUP} consecutive elements of a row. */
    INT8;

    /** Stored bits per basis element, group scales included (the +basis accounting). */
    public double bitsPerElement() {
        return switch (this) {
            case BF16 -> 16;
            case F32 -> 32;
            case INT8 -> 8 + 16.0 / SharedBasis.INT8_GROUP;
        };
    }

    /** {@code bf16}, {@code f32}/{@code fp32} or {@code int8}, else a one-line error naming them. */
    public static BasisStorage parse(String s) {
        return switch (s == null ? "" : s.strip().toLowerCase(Locale.ROOT)) {
            case "bf16" -> BF16;
            case "f32", "fp32" -> F32;
            case "int8" -> INT8;
            default -> throw new IllegalArgumentException("--basis " + s + ": expected bf16, f32 or int8");
        };
    }
}
