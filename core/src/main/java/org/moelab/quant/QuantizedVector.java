package org.moelab.quant;

import java.util.Arrays;
import java.util.Objects;

/**
 * One vector as {@link SymmetricGroupQuantizer} chose it: codes and per-group fp16 scales, not yet packed.
 * Element i dequantizes to {@code float16ToFloat(scales[i / groupSize]) · codes[i]}, computed in float
 * (exact: an fp16 scale has 11 significant bits and |q| ≤ 128, so the product fits a float's 24).
 *
 * <ul>
 *   <li>b = 0: dropped; {@code codes} and {@code scales} are empty, every element is 0.</li>
 *   <li>b = 1: codes ±1.</li>
 *   <li>b ∈ {2,3,4}: codes in [−2^{b−1}, 2^{b−1}−1]; b = 8: codes in [−127, 127].</li>
 *   <li>b = 16: codes are fp16 bit patterns in [0, 0xFFFF] and {@code scales} is empty; or, the int16 option
 *       ({@link #int16()}, {@link PackedInt16}), codes in [−32767, 32767] with one scale per group (the product
 *       scale·q is then rounded to float).</li>
 * </ul>
 * The arrays are owned by the record, not copied; do not modify them.
 *
 * @param bits      b
 * @param length    number of elements (I for a spectral component)
 * @param groupSize g, elements per scale; the last group may be short
 * @param codes     (length) or empty for b = 0
 * @param scales    (⌈length/g⌉) fp16 bits, or empty for b = 0 and fp16 b = 16
 */
public record QuantizedVector(int bits, int length, int groupSize, int[] codes, short[] scales) {

    public QuantizedVector {
        PackedLayout.forBits(bits); // validates b
        if (length < 0) throw new IllegalArgumentException("length " + length);
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(scales, "scales");
        int wantCodes = bits == 0 ? 0 : length;
        int wantScales = bits == 0 || bits == 16 ? 0 : groups(length, groupSize);
        if (codes.length != wantCodes) throw new IllegalArgumentException(bits + "-bit vector of " + length + " needs " + wantCodes + " codes, got " + codes.length);
        boolean int16 = bits == 16 && length > 0 && scales.length == groups(length, groupSize);
        if (scales.length != wantScales && !int16) {
            throw new IllegalArgumentException(bits + "-bit vector of " + length + " needs " + wantScales + " scales, got " + scales.length);
        }
    }

    static int groups(int length, int groupSize) {
        return (int) (((long) length + groupSize - 1) / groupSize);
    }

    /** Number of groups ⌈length/g⌉ (whether or not this width stores scales). */
    public int groups() {
        return groups(length, groupSize);
    }

    /** The fp16-rounded scale of group k as a float. */
    public float scale(int group) {
        return Float.float16ToFloat(scales[group]);
    }

    /** b = 16 with group scales: signed int16 levels (the {@link PackedInt16} option) rather than fp16 bit patterns. */
    public boolean int16() {
        return bits == 16 && scales.length > 0;
    }

    /** Dequantized element i. */
    public float value(int i) {
        Objects.checkIndex(i, length);
        if (int16()) return Float.float16ToFloat(scales[i / groupSize]) * codes[i];
        return switch (bits) {
            case 0 -> 0f;
            case 16 -> Float.float16ToFloat((short) codes[i]);
            default -> Float.float16ToFloat(scales[i / groupSize]) * codes[i];
        };
    }

    /** Writes the dequantized vector into out[off, off+length). */
    public void dequantize(float[] out, int off) {
        Objects.checkFromIndexSize(off, length, out.length);
        switch (int16() ? -1 : bits) { // -1: int16 levels, scaled like the narrow widths (default branch)
            case 0 -> Arrays.fill(out, off, off + length, 0f);
            case 16 -> {
                for (int i = 0; i < length; i++) out[off + i] = Float.float16ToFloat((short) codes[i]);
            }
            default -> {
                for (int g0 = 0, k = 0; g0 < length; g0 += groupSize, k++) {
                    float s = Float.float16ToFloat(scales[k]);
                    int end = Math.min(length, g0 + groupSize);
                    for (int i = g0; i < end; i++) out[off + i] = s * codes[i];
                }
            }
        }
    }

    /** Σ_i (x[off+i] − dequant(i))², accumulated in double. */
    public double squaredError(float[] x, int off) {
        Objects.checkFromIndexSize(off, length, x.length);
        double e = 0;
        for (int i = 0; i < length; i++) {
            double d = (double) x[off + i] - value(i);
            e += d * d;
        }
        return e;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedVector v && bits == v.bits && length == v.length && groupSize == v.groupSize
                && Arrays.equals(codes, v.codes) && Arrays.equals(scales, v.scales);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bits, length, groupSize, Arrays.hashCode(codes), Arrays.hashCode(scales));
    }

    @Override
    public String toString() {
        return "QuantizedVector[bits=" + bits + ", length=" + length + ", groupSize=" + groupSize + ", groups=" + scales.length + "]";
    }
}
