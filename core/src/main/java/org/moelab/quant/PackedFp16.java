package org.moelab.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * b = 16: the values themselves as IEEE binary16, two bytes each, little-endian. No scales (the
 * {@code scales}/{@code groupSize} arguments are ignored and may be null/0).
 * <pre>
 *   byte 2i:    h[i] bits 7-0   (mantissa bits 7-0)
 *   byte 2i+1:  h[i] bits 15-8  (sign, 5 exponent bits, mantissa bits 9-8)
 *   codes are the bit patterns h ∈ [0, 0xFFFF];  bytes(n) = 2n;  dequant(i) = Float.float16ToFloat(h[i])
 * </pre>
 * Fast path: the Vector API has no half-float conversion, so lanes widen to int and rebuild the float bits:
 * {@code intBitsToFloat((h & 0x7FFF) << 13) · 2^112} is exact for zeros, subnormals and normals; exponent
 * 31 (inf/NaN) is patched to float exponent 255; the sign is OR-ed back.
 */
public final class PackedFp16 implements PackedLayout {

    public static final PackedFp16 INSTANCE = new PackedFp16();
    static final VectorSpecies<Float> F = GroupedLayout.F;
    static final VectorSpecies<Integer> I = GroupedLayout.I;
    private static final int S = F.length();
    private static final boolean VECTOR = S >= 4;
    private static final VectorSpecies<Short> H = VECTOR ? VectorSpecies.of(short.class, VectorShape.forBitSize(S * 16)) : null;
    private static final VectorSpecies<Byte> B = VECTOR ? VectorSpecies.of(byte.class, VectorShape.forBitSize(S * 16)) : null;
    private static final float TWO_112 = 0x1p112f;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private PackedFp16() {
    }

    @Override
    public int bits() {
        return 16;
    }

    @Override
    public long bytes(int length) {
        if (length < 0) throw new IllegalArgumentException("length " + length);
        return 2L * length;
    }

    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, length, codes.length);
        Objects.checkFromIndexSize(dstOff, Math.toIntExact(bytes(length)), dst.length);
        for (int i = 0; i < length; i++) {
            int h = codes[off + i];
            if (h < 0 || h > 0xFFFF) throw new IllegalArgumentException("fp16 code " + h + " at element " + i + " is outside [0, 0xFFFF]");
            dst[dstOff + 2 * i] = (byte) h;
            dst[dstOff + 2 * i + 1] = (byte) (h >>> 8);
        }
    }

    @Override
    public void unpack(byte[] packed, int pOff, int length, int[] codes, int cOff) {
        checkPacked(packed, pOff, length);
        Objects.checkFromIndexSize(cOff, length, codes.length);
        for (int i = 0; i < length; i++) codes[cOff + i] = half(packed, pOff, i);
    }

    private static int half(byte[] p, int pOff, int i) {
        return (p[pOff + 2 * i] & 0xFF) | (p[pOff + 2 * i + 1] & 0xFF) << 8;
    }

    private void checkPacked(byte[] packed, int pOff, int length) {
        Objects.checkFromIndexSize(pOff, Math.toIntExact(bytes(length)), packed.length);
    }

    /** S fp16 values from seg[byteOff ..] as floats; bit-exact with {@link Float#float16ToFloat}. */
    static FloatVector chunk(MemorySegment seg, long byteOff) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(H, seg, byteOff, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.lanewise(VectorOperators.AND, 0x7FFF);
        IntVector sign = h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts();
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7C00);
        IntVector bits = finite.blend(shifted.lanewise(VectorOperators.OR, 0x7F800000), special);
        return bits.lanewise(VectorOperators.OR, sign).reinterpretAsFloats();
    }

    @Override
    public float dot(byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] x, int xOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(xOff, n, x.length);
        int i = 0;
        float sum = 0f;
        if (VECTOR && n >= S) {
            MemorySegment seg = MemorySegment.ofArray(p);
            FloatVector acc = FloatVector.zero(F);
            for (; i + S <= n; i += S) {
                acc = chunk(seg, pOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
            }
            sum = org.moelab.compute.LaneSum.of(acc);
        }
        for (; i < n; i++) sum = Math.fma(Float.float16ToFloat((short) half(p, pOff, i)), x[xOff + i], sum);
        return sum;
    }

    @Override
    public float dotScalar(byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] x, int xOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(xOff, n, x.length);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) Float.float16ToFloat((short) half(p, pOff, i)) * x[xOff + i];
        return (float) sum;
    }

    @Override
    public void axpy(float alpha, byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] y, int yOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(yOff, n, y.length);
        int i = 0;
        if (VECTOR) {
            MemorySegment seg = MemorySegment.ofArray(p);
            FloatVector av = FloatVector.broadcast(F, alpha);
            for (; i + S <= n; i += S) {
                chunk(seg, pOff + 2L * i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, Float.float16ToFloat((short) half(p, pOff, i)), y[yOff + i]);
    }

    @Override
    public void axpyScalar(float alpha, byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] y, int yOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(yOff, n, y.length);
        for (int i = 0; i < n; i++) y[yOff + i] = Math.fma(alpha, Float.float16ToFloat((short) half(p, pOff, i)), y[yOff + i]);
    }

    /**
     * The fp16 values as floats, with the decode of {@link #chunk} written out from a byte vector (see {@link
     * #axpyMany}); equal to {@link Float#float16ToFloat} for every value but NaN payloads.
     */
    @Override
    public void dequantize(byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] out, int oOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(oOff, n, out.length);
        int i = 0;
        if (VECTOR) {
            for (int off = pOff; i + S <= n; i += S, off += 2 * S) {
                ShortVector hs = ByteVector.fromArray(B, p, off).reinterpretAsShorts();
                IntVector h = (IntVector) hs.convertShape(VectorOperators.S2I, I, 0);
                IntVector em = h.lanewise(VectorOperators.AND, 0x7FFF);
                IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
                IntVector finite = shifted.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts();
                IntVector bits = finite.blend(shifted.lanewise(VectorOperators.OR, 0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
                bits.lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(out, oOff + i);
            }
        }
        for (; i < n; i++) out[oOff + i] = Float.float16ToFloat((short) half(p, pOff, i));
    }

    @Override
    public void dequantizeScalar(byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] out, int oOff) {
        checkPacked(p, pOff, n);
        Objects.checkFromIndexSize(oOff, n, out.length);
        for (int i = 0; i < n; i++) out[oOff + i] = Float.float16ToFloat((short) half(p, pOff, i));
    }

    private int checkMany(int count, byte[] p, int pOff, int n, float[] v, int vOff, float[] w, int wOff) {
        if (count < 0) throw new IllegalArgumentException("count " + count);
        long vb = bytes(n);
        Objects.checkFromIndexSize(pOff, count * vb, p.length);
        Objects.checkFromIndexSize(vOff, n, v.length);
        Objects.checkFromIndexSize(wOff, count, w.length);
        return (int) vb;
    }

    /**
     * Fused over the vectors: for each chunk of S elements y stays in a register while every vector's chunk is
     * added in order j (bit for bit {@link #axpyManyScalar}). The decode of {@link #chunk} is written out
     * (from a byte vector, not a memory segment) so no vector crosses a call the JIT might not inline.
     */
    @Override
    public void axpyMany(int count, float[] alpha, int aOff, byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] y, int yOff) {
        int vb = checkMany(count, p, pOff, n, y, yOff, alpha, aOff);
        int i = 0;
        if (VECTOR) {
            for (; i + S <= n; i += S) {
                int at = yOff + i;
                FloatVector acc = FloatVector.fromArray(F, y, at);
                int off = pOff + 2 * i;
                for (int j = 0; j < count; j++, off += vb) {
                    ShortVector hs = ByteVector.fromArray(B, p, off).reinterpretAsShorts();
                    IntVector h = (IntVector) hs.convertShape(VectorOperators.S2I, I, 0);
                    IntVector em = h.lanewise(VectorOperators.AND, 0x7FFF);
                    IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
                    IntVector finite = shifted.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts();
                    IntVector bits = finite.blend(shifted.lanewise(VectorOperators.OR, 0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
                    FloatVector q = bits.lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                    acc = q.fma(FloatVector.broadcast(F, alpha[aOff + j]), acc);
                }
                acc.intoArray(y, at);
            }
        }
        if (i == n) return;
        for (int j = 0, vp = pOff; j < count; j++, vp += vb) {
            float a = alpha[aOff + j];
            for (int e = i; e < n; e++) y[yOff + e] = Math.fma(a, Float.float16ToFloat((short) half(p, vp, e)), y[yOff + e]);
        }
    }

    /** Fused over the vectors: per vector the loop of {@link #dot}, decode written out, no per-vector checks. */
    @Override
    public void dotMany(int count, byte[] p, int pOff, short[] scales, int sOff, int groupSize, int n, float[] x, int xOff, float[] out, int oOff) {
        int vb = checkMany(count, p, pOff, n, x, xOff, out, oOff);
        for (int j = 0, vp = pOff; j < count; j++, vp += vb) {
            int i = 0;
            float sum = 0f;
            if (VECTOR && n >= S) {
                FloatVector acc = FloatVector.zero(F);
                for (int off = vp; i + S <= n; i += S, off += 2 * S) {
                    ShortVector hs = ByteVector.fromArray(B, p, off).reinterpretAsShorts();
                    IntVector h = (IntVector) hs.convertShape(VectorOperators.S2I, I, 0);
                    IntVector em = h.lanewise(VectorOperators.AND, 0x7FFF);
                    IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
                    IntVector finite = shifted.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts();
                    IntVector bits = finite.blend(shifted.lanewise(VectorOperators.OR, 0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
                    FloatVector q = bits.lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                    acc = q.fma(FloatVector.fromArray(F, x, xOff + i), acc);
                }
                // lanes summed in a fixed order (see GroupedLayout.SWAP1): the same bits whichever JIT tier runs this
                if (S > 8) acc = acc.add(acc.rearrange(GroupedLayout.SWAP8));
                if (S > 4) acc = acc.add(acc.rearrange(GroupedLayout.SWAP4));
                if (S > 2) acc = acc.add(acc.rearrange(GroupedLayout.SWAP2));
                acc = acc.add(acc.rearrange(GroupedLayout.SWAP1));
                sum = acc.lane(0);
            }
            for (; i < n; i++) sum = Math.fma(Float.float16ToFloat((short) half(p, vp, i)), x[xOff + i], sum);
            out[oOff + j] = sum;
        }
    }
}
