package org.moelab.compute;

import org.moelab.quant.PackedLayout;

import java.util.Objects;

/**
 * A (count, length) matrix of packed rows in the CPU layout: {@code count} vectors of {@code length} elements
 * lying back to back, as the many-vector kernels of {@link PackedLayout} take them. Row j's payload starts at
 * {@code packed[pOff + j·rowBytes()]}, its fp16 scales at {@code scales[sOff + j·scalesPerRow()]}. A view:
 * the arrays are shared, not copied.
 *
 * @param layout    how the codes lie in bytes (b ∈ {0, 1, 2, 3, 4, 8, 16})
 * @param count     rows (e.g. the spectral components of one width, or the output features of a matrix)
 * @param length    elements per row
 * @param groupSize g, elements per scale (ignored for b ∈ {0, 16}, must still be positive)
 * @param packed    the payload bytes; (count · rowBytes()) from pOff
 * @param scales    fp16 scale bits; (count · scalesPerRow()) from sOff; may be empty for b ∈ {0, 16}
 */
public record PackedRows(PackedLayout layout, int count, int length, int groupSize, byte[] packed, int pOff, short[] scales, int sOff) {

    public PackedRows {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(packed, "packed");
        Objects.requireNonNull(scales, "scales");
        if (count < 0 || length < 0) throw new IllegalArgumentException("shape (" + count + ", " + length + ")");
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        Objects.checkFromIndexSize(pOff, (long) count * layout.bytes(length), packed.length);
        Objects.checkFromIndexSize(sOff, (long) count * layout.scaleCount(length, groupSize), scales.length);
    }

    /** Rows that start at offset 0 of their arrays. */
    public static PackedRows of(PackedLayout layout, int count, int length, int groupSize, byte[] packed, short[] scales) {
        return new PackedRows(layout, count, length, groupSize, packed, 0, scales, 0);
    }

    public int bits() {
        return layout.bits();
    }

    /** Payload bytes of one row: ⌈length·b/8⌉. */
    public int rowBytes() {
        return Math.toIntExact(layout.bytes(length));
    }

    public int scalesPerRow() {
        return layout.scaleCount(length, groupSize);
    }

    /** Bytes a kernel streams: payload plus 2 per scale. */
    public long streamedBytes() {
        return (long) count * rowBytes() + 2L * count * scalesPerRow();
    }

    /** The rows [from, from + n) as a view over the same arrays. */
    public PackedRows slice(int from, int n) {
        Objects.checkFromIndexSize(from, n, count);
        return new PackedRows(layout, n, length, groupSize, packed, pOff + from * rowBytes(), scales, sOff + from * scalesPerRow());
    }
}
