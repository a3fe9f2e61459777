package org.moelab.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * b = 16, the int16 option (instead of {@link PackedFp16}): one signed 16-bit level per element, little endian, and
 * one fp16 scale per group like the other scaled layouts.
 * <pre>
 *   bytes 2i, 2i+1:  q[i] as a two's-complement int16, low byte first;  bytes(n) = 2n.
 *   q ∈ [−32768, 32767] (the quantizer uses [−32767, 32767]);  dequant(i) = scale[i / g] · q_i  (rounded to float)
 * </pre>
 * With the same 16 bits per element as fp16 it spends none on an exponent: the step is absmax/32767 of the group
 * instead of fp16's 2^−11 of each element, about 2–10× finer for the unit vectors BitsMoE stores.
 * Fast path: S int16 lanes load from the bytes (little endian) and widen to float lanes.
 */
public final class PackedInt16 extends GroupedLayout {

    public static final PackedInt16 INSTANCE = new PackedInt16();
    private static final int BITS = 16;
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(S * 16));

    private PackedInt16() {
    }

    @Override
    public int bits() {
        return BITS;
    }

    /** Unlike fp16, int16 codes need their group scales. */
    @Override
    public int scaleCount(int length, int groupSize) {
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        return QuantizedVector.groups(length, groupSize);
    }

    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, length, codes.length);
        Objects.checkFromIndexSize(dstOff, 2 * length, dst.length);
        for (int i = 0; i < length; i++) {
            int q = checkCode(codes[off + i], -32768, 32767, i);
            dst[dstOff + 2 * i] = (byte) q;
            dst[dstOff + 2 * i + 1] = (byte) (q >> 8);
        }
    }

    @Override
    int code(byte[] p, int pOff, int i) {
        return (short) ((p[pOff + 2 * i] & 0xFF) | (p[pOff + 2 * i + 1] << 8));
    }

    /** S levels from element {@code i} on, as float lanes. */
    private static FloatVector chunk(MemorySegment seg, int pOff, int i) {
        ShortVector q = ShortVector.fromMemorySegment(H, seg, pOff + 2L * i, ByteOrder.LITTLE_ENDIAN);
        return (FloatVector) q.convertShape(VectorOperators.S2F, F, 0);
    }

    @Override
    public float dot(byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] x, int xOff) {
        check(p, pOff, scales, sOff, g, n, x, xOff);
        MemorySegment seg = MemorySegment.ofArray(p);
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            FloatVector qx = FloatVector.zero(F);
            for (; i + S <= m; i += S) qx = chunk(seg, pOff, e0 + i).fma(FloatVector.fromArray(F, x, xOff + e0 + i), qx);
            acc = qx.fma(FloatVector.broadcast(F, scale), acc);
            float t = 0f;
            for (; i < m; i++) t += code(p, pOff, e0 + i) * x[xOff + e0 + i];
            tail = Math.fma(scale, t, tail);
        }
        return org.moelab.compute.LaneSum.of(acc) + tail; // a fixed lane order: the same bits at every JIT tier
    }

    /** Bit for bit {@link #axpyScalar}: the same float product scale·q, then one fma per element. */
    @Override
    public void axpy(float alpha, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] y, int yOff) {
        check(p, pOff, scales, sOff, g, n, y, yOff);
        MemorySegment seg = MemorySegment.ofArray(p);
        FloatVector a = FloatVector.broadcast(F, alpha);
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            for (; i + S <= m; i += S) {
                FloatVector d = chunk(seg, pOff, e0 + i).mul(scale);
                d.fma(a, FloatVector.fromArray(F, y, yOff + e0 + i)).intoArray(y, yOff + e0 + i);
            }
            for (; i < m; i++) y[yOff + e0 + i] = Math.fma(alpha, scale * code(p, pOff, e0 + i), y[yOff + e0 + i]);
        }
    }

    /** Bit for bit {@link #dequantizeScalar}. */
    @Override
    public void dequantize(byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] out, int oOff) {
        check(p, pOff, scales, sOff, g, n, out, oOff);
        MemorySegment seg = MemorySegment.ofArray(p);
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            for (; i + S <= m; i += S) chunk(seg, pOff, e0 + i).mul(scale).intoArray(out, oOff + e0 + i);
            for (; i < m; i++) out[oOff + e0 + i] = scale * code(p, pOff, e0 + i);
        }
    }
}
