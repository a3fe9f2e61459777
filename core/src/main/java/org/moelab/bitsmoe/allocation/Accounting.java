package org.moelab.bitsmoe.allocation;

/**
 * How a plan's bits are counted (methods.md §1.4). The budget is enforced in one mode; a plan reports
 * its realised average in all three.
 * <ul>
 *   <li>{@link #PAYLOAD}: {@code n_u · b_u} only — how GPTQ-style "2-bit" is counted (the default);</li>
 *   <li>{@link #PLUS_SCALES}: payload + 16 bits per group of g elements for kept components with
 *       {@code 1 ≤ b ≤ 8} (the fp16 group scales; 16-bit components need none) + 16 bits for the
 *       component scalar s of every kept component ({@code b ≥ 1});</li>
 *   <li>{@link #PLUS_BASIS}: {@link #PLUS_SCALES} + a fixed overhead given by the caller (e.g. the bf16
 *       shared bases), counted once.</li>
 * </ul>
 */
public enum Accounting {
    PAYLOAD,
    PLUS_SCALES,
    PLUS_BASIS;

    /** Bits of the fp16 group scale and of the fp16 component scalar s. */
    public static final int SCALE_BITS = 16;

    /** Bits one unit of {@code n} elements costs at width {@code bits}, groups of {@code groupSize}; the fixed basis overhead is not included. */
    public long unitBits(long n, int bits, int groupSize) {
        long payload = n * bits;
        if (this == PAYLOAD || bits == 0) {
            return payload;
        }
        long groups = bits <= 8 ? (n + groupSize - 1) / groupSize : 0;
        return payload + SCALE_BITS * groups + SCALE_BITS;
    }

    /** The fixed overhead of this mode, in bits. */
    public double fixedBits(double basisOverheadBits) {
        return this == PLUS_BASIS ? basisOverheadBits : 0;
    }
}
