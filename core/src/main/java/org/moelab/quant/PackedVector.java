package org.moelab.quant;

import java.util.Arrays;
import java.util.Objects;

/**
 * A quantized vector in its storage form: the layout's bytes plus the per-group fp16 scales. The kernels
 * (dot, axpy) run on the bytes directly. Arrays are shared, not copied.
 *
 * @param layout    how the codes lie in {@code bytes}
 * @param bytes     the payload, exactly {@code layout.bytes(length)} bytes
 * @param scales    (⌈length/g⌉) fp16 scale bits; empty for b ∈ {0, 16}
 * @param length    number of elements
 * @param groupSize g
 */
public record PackedVector(PackedLayout layout, byte[] bytes, short[] scales, int length, int groupSize) {

    /**
     * Bits this vector occupies, for the allocation's accounting modes (methods.md §1.4): {@code payload}
     * counts {@code length·b} (padding of the last byte not counted, as "2-bit" is usually counted);
     * {@code +scales} adds 16 bits per stored group scale.
     */
    public record StorageBits(long payload, long scales) {

        /** The {@code +scales} accounting: payload + scales. */
        public long withScales() {
            return payload + scales;
        }
    }

    public PackedVector {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(scales, "scales");
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        if (bytes.length != layout.bytes(length)) {
            throw new IllegalArgumentException(layout.bits() + "-bit vector of " + length + " needs " + layout.bytes(length) + " bytes, got " + bytes.length);
        }
        int b = layout.bits();
        int wantScales = layout.scaleCount(length, groupSize);
        if (scales.length != wantScales) throw new IllegalArgumentException(b + "-bit vector of " + length + " needs " + wantScales + " scales, got " + scales.length);
    }

    /** Packs q's codes with the layout for its width; the scales array is shared with q. */
    public static PackedVector fromQuantized(QuantizedVector q) {
        PackedLayout layout = q.int16() ? PackedInt16.INSTANCE : PackedLayout.forBits(q.bits());
        byte[] bytes = layout.pack(q.codes(), 0, q.bits() == 0 ? 0 : q.length());
        return new PackedVector(layout, bytes, q.scales(), q.length(), q.groupSize());
    }

    /** The inverse of {@link #fromQuantized}. */
    public QuantizedVector toQuantized() {
        int[] codes = new int[bits() == 0 ? 0 : length];
        layout.unpack(bytes, 0, codes.length, codes, 0);
        return new QuantizedVector(bits(), length, groupSize, codes, scales);
    }

    public int bits() {
        return layout.bits();
    }

    /** Σ_i dequant(i)·x[xOff+i] (fast path). */
    public float dot(float[] x, int xOff) {
        return layout.dot(bytes, 0, scales, 0, groupSize, length, x, xOff);
    }

    /** Σ_i dequant(i)·x[xOff+i] (scalar reference). */
    public float dotScalar(float[] x, int xOff) {
        return layout.dotScalar(bytes, 0, scales, 0, groupSize, length, x, xOff);
    }

    /** y[yOff+i] += alpha·dequant(i) (fast path). */
    public void axpy(float alpha, float[] y, int yOff) {
        layout.axpy(alpha, bytes, 0, scales, 0, groupSize, length, y, yOff);
    }

    /** y[yOff+i] += alpha·dequant(i) (scalar reference). */
    public void axpyScalar(float alpha, float[] y, int yOff) {
        layout.axpyScalar(alpha, bytes, 0, scales, 0, groupSize, length, y, yOff);
    }

    /** The dequantized vector into out[off, off+length), equal to {@link QuantizedVector#dequantize}. */
    public void dequantize(float[] out, int off) {
        toQuantized().dequantize(out, off);
    }

    /** Payload bits (length·b) and scale bits (16 per stored scale). */
    public StorageBits storageBits() {
        return new StorageBits((long) length * bits(), 16L * scales.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackedVector v && layout == v.layout && length == v.length && groupSize == v.groupSize
                && Arrays.equals(bytes, v.bytes) && Arrays.equals(scales, v.scales);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layout.bits(), length, groupSize, Arrays.hashCode(bytes), Arrays.hashCode(scales));
    }

    @Override
    public String toString() {
        return "PackedVector[bits=" + bits() + ", length=" + length + ", groupSize=" + groupSize + ", bytes=" + bytes.length + ", scales=" + scales.length + "]";
    }
}
