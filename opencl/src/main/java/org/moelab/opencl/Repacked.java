package org.moelab.opencl;

import org.moelab.compute.PackedRows;

/**
 * Packed rows split into the primitive arrays an OpenCL kernel takes: one int array of codes, one float array of
 * scales and the shape as ints. Made by {@link Repack}; decoded on the device by the packed kernels and on the
 * host by {@link #value} (the specification of this form, tested against the CPU layout).
 * <pre>
 *   words  (count · wordsPerRow)   row j from word j·wordsPerRow; within a row, the CPU layout's bytes as
 *                                  little-endian 32-bit words, zero-padded to a whole word:
 *                                  b ∈ {1,2,3,4,8}: field i = bits [i·b, i·b + b) of the row (a 3-bit field
 *                                  may straddle two words); b = 16: half i = bits [16·(i&1), +16) of word i/2
 *   scales (count · scalesPerRow)  fp16 scales widened to float (exact); one 0 when the layout has none
 *   dequant(j, i) = scales[j·scalesPerRow + i/g] · q,  q = 2c − 1 (b = 1) or c − 2^(b−1) (b ≥ 2);
 *                   b = 16: the half's value;  b = 0: no words, every value 0
 * </pre>
 */
public record Repacked(int bits, int count, int length, int groupSize, int wordsPerRow, int scalesPerRow, int[] words, float[] scales) {

    /** Element i of row j, decoded from the repacked arrays (the host reference of the device decode). */
    public float value(int j, int i) {
        if (bits == 0) return 0f;
        int base = j * wordsPerRow;
        if (bits == 16) return Float.float16ToFloat((short) (words[base + (i >>> 1)] >>> ((i & 1) * 16)));
        int bit = i * bits;
        int w = base + (bit >>> 5);
        int sh = bit & 31;
        long v = (words[w] & 0xFFFFFFFFL) >>> sh;
        if (sh + bits > 32) v |= (words[w + 1] & 0xFFFFFFFFL) << (32 - sh);
        int c = (int) (v & ((1 << bits) - 1));
        int q = bits == 1 ? 2 * c - 1 : c - (1 << (bits - 1));
        return scales[j * scalesPerRow + i / groupSize] * q;
    }

    /** The shape this was repacked from matches {@code w}. */
    boolean matches(PackedRows w) {
        return w.bits() == bits && w.count() == count && w.length() == length && w.groupSize() == groupSize;
    }
}
