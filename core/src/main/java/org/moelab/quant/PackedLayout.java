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
