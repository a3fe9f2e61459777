package org.moelab.quant;

import java.util.Objects;

/**
 * b = 0: the component is dropped. No bytes, no scales; every element dequantizes to 0, so the dot
 * product is 0 and axpy leaves y alone.
 * <pre>
 *   (no bytes)
 * </pre>
 */
public final class Packed0Bit implements PackedLayout {

    public static final Packed0Bit INSTANCE = new Packed0Bit();

    private Packed0Bit() {
    }

    @Override
    public int bits() {
        return 0;
    }

    @Override
    public long bytes(int length) {
        if (length < 0) throw new IllegalArgumentException("length " + length);
        return 0;
    }

    /** Writes nothing; the codes (if any) are ignored, as a dropped vector has none. */
    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        bytes(length);
    }

    @Override
    public void unpack(byte[] packed, int pOff, int length, int[] codes, int cOff) {
        Objects.checkFromIndexSize(cOff, length, codes.length);
        java.util.Arrays.fill(codes, cOff, cOff + length, 0);
    }

    @Override
    public float dot(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff) {
        return dotScalar(packed, pOff, scales, sOff, groupSize, length, x, xOff);
    }

    @Override
    public float dotScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff) {
        Objects.checkFromIndexSize(xOff, length, x.length);
        return 0f;
    }

    @Override
    public void axpy(float alpha, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff) {
        axpyScalar(alpha, packed, pOff, scales, sOff, groupSize, length, y, yOff);
    }

    @Override
    public void axpyScalar(float alpha, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff) {
        Objects.checkFromIndexSize(yOff, length, y.length);
    }

    /** Every element is 0. */
    @Override
    public void dequantizeScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] out, int oOff) {
        Objects.checkFromIndexSize(oOff, length, out.length);
        java.util.Arrays.fill(out, oOff, oOff + length, 0f);
    }

    /** Nothing to add: every vector is 0. */
    @Override
    public void axpyMany(int count, float[] alpha, int aOff, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff) {
        axpyManyScalar(count, alpha, aOff, packed, pOff, scales, sOff, groupSize, length, y, yOff);
    }

    @Override
    public void axpyManyScalar(int count, float[] alpha, int aOff, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff) {
        Objects.checkFromIndexSize(aOff, count, alpha.length);
        Objects.checkFromIndexSize(yOff, length, y.length);
    }

    /** Every dot product is 0. */
    @Override
    public void dotMany(int count, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff, float[] out, int oOff) {
        dotManyScalar(count, packed, pOff, scales, sOff, groupSize, length, x, xOff, out, oOff);
    }

    @Override
    public void dotManyScalar(int count, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff, float[] out, int oOff) {
        Objects.checkFromIndexSize(xOff, length, x.length);
        Objects.checkFromIndexSize(oOff, count, out.length);
        java.util.Arrays.fill(out, oOff, oOff + count, 0f);
    }
}
