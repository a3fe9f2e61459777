package org.moelab.quant;

/**
 * How the codes of one quantized vector lie in bytes, and the kernels over those bytes (architecture
 * conventions #2 and #3). One implementation per bit-width; each opens with a drawing of its bytes.
 *
 * <p>Arguments shared by every method: {@code packed[pOff ..]} holds the vector's {@link #bytes(int)} bytes,
 * starting at a byte boundary; {@code scales[sOff ..]} holds one fp16 scale (as {@code short} bits) per group
 * of {@code groupSize} consecutive elements, the last group possibly short; {@code length} is the number of
 * elements. The dequantized element i is {@code float16ToFloat(scales[sOff + i / groupSize]) · q_i}; for
 * {@link PackedFp16} it is the stored fp16 value itself and scales/groupSize are ignored (may be null/0);
 * for {@link Packed0Bit} it is 0.
 *
 * <p>Codes handed to {@link #pack} and returned by {@link #unpack} are the signed levels q (b = 1: ±1;
 * b ∈ {2,3,4,8}: {@code [−2^{b−1}, 2^{b−1}−1]}), or for b = 16 the fp16 bit pattern in 0..0xFFFF. The
 * bytes hold them offset-binary ({@code q + 2^{b−1}}) for b ≥ 2 and as sign bits for b = 1.
 *
 * <p>{@link #dotScalar}/{@link #axpyScalar} are the specification; {@link #dot}/{@link #axpy} are the
 * Vector API fast paths tested against them. Implementations are stateless singletons.
 */
public interface PackedLayout {

    /** b: bits per element of payload (0, 1, 2, 3, 4, 8 or 16). */
    int bits();

    /** Bytes the payload of a vector of {@code length} elements occupies: ⌈length·b / 8⌉. */
    long bytes(int length);

    /** Writes codes[off, off+length) into dst[dstOff, dstOff + bytes(length)); padding bits are 0. */
    void pack(int[] codes, int off, int length, byte[] dst, int dstOff);

    /** Codes[off, off+length) packed into a fresh array of {@link #bytes(int)} bytes. */
    default byte[] pack(int[] codes, int off, int length) {
        byte[] dst = new byte[Math.toIntExact(bytes(length))];
        pack(codes, off, length, dst, 0);
        return dst;
    }

    /** Inverse of {@link #pack}: the codes of elements [0, length) into codes[cOff ..]. */
    void unpack(byte[] packed, int pOff, int length, int[] codes, int cOff);

    /** Σ_i dequant(i)·x[xOff+i], Vector API fast path. */
    float dot(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff);

    /** Σ_i dequant(i)·x[xOff+i], the scalar reference (accumulated in double, rounded once to float). */
    float dotScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff);

    /**
     * y[yOff+i] += alpha·dequant(i), Vector API fast path. Per element this is {@code Math.fma(alpha,
     * dequant(i), y)} with dequant(i) = scale·q exact in float, so it equals {@link #axpyScalar} bit for bit.
     */
    void axpy(float alpha, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff);

    /** y[yOff+i] = Math.fma(alpha, dequant(i), y[yOff+i]), the scalar reference. */
    void axpyScalar(float alpha, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff);

    /**
     * out[oOff+i] = dequant(i) for i &lt; length, Vector API fast path. dequant(i) = scale·q is exact in float,
     * so the fast paths equal {@link #dequantizeScalar} bit for bit. The default is the scalar reference.
     */
    default void dequantize(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] out, int oOff) {
        dequantizeScalar(packed, pOff, scales, sOff, groupSize, length, out, oOff);
    }

    /** out[oOff+i] = dequant(i), the scalar reference. */
    void dequantizeScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] out, int oOff);

    /** Scales one vector of {@code length} elements stores: ⌈length/g⌉, or 0 for b ∈ {0, 16}. */
    default int scaleCount(int length, int groupSize) {
        int b = bits();
        if (b == 0 || b == 16) return 0;
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        return QuantizedVector.groups(length, groupSize);
    }

    /*
     * The many-vector kernels. They run one of the single-vector kernels over {@code count} vectors of
     * {@code length} elements that lie back to back: vector j's payload starts at
     * packed[pOff + j·bytes(length)], its scales at scales[sOff + j·scaleCount(length, groupSize)]. The
     * arguments are checked once per call, not once per vector, and the loops over the vectors sit inside
     * one method of one layout, so a caller with many short vectors (BitsMoE's spectral components) pays
     * one call per width instead of one per vector. The defaults here loop over the single-vector kernels;
     * the layouts override the fast paths.
     */

    /**
     * y[yOff+i] += Σ_j alpha[aOff+j]·dequant_j(i) (fast path). The fast paths may factor the group scale and
     * the code offset out of the sum, so this agrees with {@link #axpyManyScalar} up to float rounding, not
     * bit for bit; the default here (one {@link #axpy} per vector) is exact.
     */
    default void axpyMany(int count, float[] alpha, int aOff, byte[] packed, int pOff, short[] scales, int sOff,
                          int groupSize, int length, float[] y, int yOff) {
        int vb = Math.toIntExact(bytes(length));
        int ns = scaleCount(length, groupSize);
        for (int j = 0; j < count; j++) axpy(alpha[aOff + j], packed, pOff + j * vb, scales, sOff + j * ns, groupSize, length, y, yOff);
    }

    /** {@link #axpyMany}'s scalar reference: {@link #axpyScalar} for j = 0, 1, … in turn (per element, in order j). */
    default void axpyManyScalar(int count, float[] alpha, int aOff, byte[] packed, int pOff, short[] scales, int sOff,
                                int groupSize, int length, float[] y, int yOff) {
        int vb = Math.toIntExact(bytes(length));
        int ns = scaleCount(length, groupSize);
        for (int j = 0; j < count; j++) axpyScalar(alpha[aOff + j], packed, pOff + j * vb, scales, sOff + j * ns, groupSize, length, y, yOff);
    }

    /** out[oOff+j] = Σ_i dequant_j(i)·x[xOff+i] for j &lt; count (fast path; float accumulation order may differ). */
    default void dotMany(int count, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length,
                         float[] x, int xOff, float[] out, int oOff) {
        int vb = Math.toIntExact(bytes(length));
        int ns = scaleCount(length, groupSize);
        for (int j = 0; j < count; j++) out[oOff + j] = dot(packed, pOff + j * vb, scales, sOff + j * ns, groupSize, length, x, xOff);
    }

    /** {@link #dotMany}'s scalar reference: {@link #dotScalar} per vector. */
    default void dotManyScalar(int count, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length,
                               float[] x, int xOff, float[] out, int oOff) {
        int vb = Math.toIntExact(bytes(length));
        int ns = scaleCount(length, groupSize);
        for (int j = 0; j < count; j++) out[oOff + j] = dotScalar(packed, pOff + j * vb, scales, sOff + j * ns, groupSize, length, x, xOff);
    }

    /** The layout for a bit-width in {0, 1, 2, 3, 4, 8, 16}. */
    static PackedLayout forBits(int bits) {
        return switch (bits) {
            case 0 -> Packed0Bit.INSTANCE;
            case 1 -> Packed1Bit.INSTANCE;
            case 2 -> Packed2Bit.INSTANCE;
            case 3 -> Packed3Bit.INSTANCE;
            case 4 -> Packed4Bit.INSTANCE;
            case 8 -> Packed8Bit.INSTANCE;
            case 16 -> PackedFp16.INSTANCE;
            default -> throw new IllegalArgumentException("no packed layout for " + bits + " bits; expected 0, 1, 2, 3, 4, 8 or 16");
        };
    }
}
