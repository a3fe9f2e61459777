package org.moelab.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

/**
 * b = 8: one offset-binary code c = q + 128 per byte.
 * <pre>
 *   byte i:  bits 7-0 = c[i] = q[i] + 128
 *   q ∈ [−128, 127] (the quantizer uses [−127, 127]);  bytes(n) = n.
 *   dequant(i) = scale[i / g] · (c_i − 128)
 * </pre>
 * Fast path: S bytes load as one byte vector; flipping bit 7 turns c into q as a signed byte, which
 * widens to float lanes.
 */
public final class Packed8Bit extends GroupedLayout {

    public static final Packed8Bit INSTANCE = new Packed8Bit();
    private static final int BITS = 8;
    private static final boolean VECTOR = S >= 8;
    private static final int CHUNK_BYTES = S;
    private static final VectorSpecies<Byte> B = VECTOR ? VectorSpecies.of(byte.class, VectorShape.forBitSize(S * 8)) : null;

    private Packed8Bit() {
    }

    @Override
    public int bits() {
        return BITS;
    }

    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, length, codes.length);
        Objects.checkFromIndexSize(dstOff, length, dst.length);
        for (int i = 0; i < length; i++) dst[dstOff + i] = (byte) (checkCode(codes[off + i], -128, 127, i) + 128);
    }

    @Override
    int code(byte[] p, int pOff, int i) {
        return (p[pOff + i] & 0xFF) - 128;
    }

    private static FloatVector chunk(byte[] p, int off) {
        ByteVector q = ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80);
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    public float dot(byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] x, int xOff) {
        check(p, pOff, scales, sOff, g, n, x, xOff);
        FloatVector acc = FloatVector.zero(F);
        float tail = 0f;
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            if (VECTOR && m >= S) {
                FloatVector qx = FloatVector.zero(F);
                for (; i + S <= m; i += S) {
                    qx = chunk(p, pOff + e0 + i).fma(FloatVector.fromArray(F, x, xOff + e0 + i), qx);
                }
                acc = qx.fma(FloatVector.broadcast(F, scale), acc);
            }
            float t = 0f;
            for (; i < m; i++) t += code(p, pOff, e0 + i) * x[xOff + e0 + i];
            tail = Math.fma(scale, t, tail);
        }
        return acc.reduceLanes(VectorOperators.ADD) + tail;
    }

    @Override
    public void axpy(float alpha, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] y, int yOff) {
        check(p, pOff, scales, sOff, g, n, y, yOff);
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            if (VECTOR) {
                FloatVector sv = FloatVector.broadcast(F, scale);
                for (; i + S <= m; i += S) {
                    int at = yOff + e0 + i;
                    chunk(p, pOff + e0 + i).mul(sv).fma(av, FloatVector.fromArray(F, y, at)).intoArray(y, at);
                }
            }
            for (; i < m; i++) y[yOff + e0 + i] = Math.fma(alpha, scale * code(p, pOff, e0 + i), y[yOff + e0 + i]);
        }
    }

    /**
     * Fused over the vectors. For each chunk of S elements, y's chunk stays in a register while every vector's
     * chunk is decoded and added in order j = 0, 1, …, so per element this is the fma sequence of
     * {@link #axpyManyScalar} (bit for bit). The decode is written out here rather than called: a helper
     * returning a vector that the JIT fails to inline (code size, stack, call depth) boxes every vector it
     * returns and falls back to the Java lane loops. Needs g a multiple of S (chunks inside one group, on
     * byte boundaries); other group sizes run {@link #axpy} per vector.
     */
    @Override
    public void axpyMany(int count, float[] alpha, int aOff, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] y, int yOff) {
        int vb = checkMany(count, p, pOff, scales, sOff, g, n, y, yOff, alpha, aOff);
        if (!VECTOR || g % S != 0) {
            axpyEach(count, alpha, aOff, p, pOff, vb, scales, sOff, g, n, y, yOff);
            return;
        }
        int ns = QuantizedVector.groups(n, g);
        int i = 0;
        for (; i + S <= n; i += S) {
            int at = yOff + i;
            FloatVector acc = FloatVector.fromArray(F, y, at);
            int off = pOff + (i * BITS >>> 3);
            for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                FloatVector q = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                acc = q.mul(Float.float16ToFloat(scales[gi])).fma(FloatVector.broadcast(F, alpha[aOff + j]), acc);
            }
            acc.intoArray(y, at);
        }
        if (i == n) return;
        for (int j = 0, vp = pOff, vs = sOff; j < count; j++, vp += vb, vs += ns) {
            float a = alpha[aOff + j];
            for (int e = i; e < n; e++) y[yOff + e] = Math.fma(a, Float.float16ToFloat(scales[vs + e / g]) * code(p, vp, e), y[yOff + e]);
        }
    }

    /**
     * Fused over the vectors: per vector the loop of {@link #dot} with the decode written out (see
     * {@link #axpyMany}) and no per-vector checks. Needs g a multiple of S.
     */
    @Override
    public void dotMany(int count, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] x, int xOff, float[] out, int oOff) {
        int vb = checkMany(count, p, pOff, scales, sOff, g, n, x, xOff, out, oOff);
        if (!VECTOR || g % S != 0) {
            dotEach(count, p, pOff, vb, scales, sOff, g, n, x, xOff, out, oOff);
            return;
        }
        int ns = QuantizedVector.groups(n, g);
        for (int j = 0, vp = pOff, vs = sOff; j < count; j++, vp += vb, vs += ns) {
            FloatVector acc = FloatVector.zero(F);
            float tail = 0f;
            for (int e0 = 0, gi = vs; e0 < n; e0 += g, gi++) {
                int end = Math.min(n, e0 + g);
                float scale = Float.float16ToFloat(scales[gi]);
                int i = e0;
                if (end - e0 >= S) {
                    FloatVector qx = FloatVector.zero(F);
                    for (int off = vp + (e0 * BITS >>> 3); i + S <= end; i += S, off += CHUNK_BYTES) {
                        FloatVector q = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                        qx = q.fma(FloatVector.fromArray(F, x, xOff + i), qx);
                    }
                    acc = qx.fma(FloatVector.broadcast(F, scale), acc);
                }
                if (i < end) {
                    float t = 0f;
                    for (; i < end; i++) t += code(p, vp, i) * x[xOff + i];
                    tail = Math.fma(scale, t, tail);
                }
            }
            out[oOff + j] = acc.reduceLanes(VectorOperators.ADD) + tail;
        }
    }
}
