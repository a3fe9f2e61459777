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
        return org.moelab.compute.LaneSum.of(acc) + tail;
    }

    /** Bit for bit {@link #dequantizeScalar}: the decoded chunk times the fp16 scale is the scalar product, exact in float. */
    @Override
    public void dequantize(byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] out, int oOff) {
        check(p, pOff, scales, sOff, g, n, out, oOff);
        for (int e0 = 0, gi = sOff; e0 < n; e0 += g, gi++) {
            int m = Math.min(g, n - e0);
            float scale = Float.float16ToFloat(scales[gi]);
            int i = 0;
            if (VECTOR) {
                FloatVector sv = FloatVector.broadcast(F, scale);
                for (; i + S <= m; i += S) chunk(p, pOff + e0 + i).mul(sv).intoArray(out, oOff + e0 + i);
            }
            for (; i < m; i++) out[oOff + e0 + i] = scale * code(p, pOff, e0 + i);
        }
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
     * Fused over the vectors, with the decode written out in the loops: a helper returning a vector that the JIT
     * does not inline (code size, stack, call depth) boxes every vector and falls back to the Java lane loops.
     * Where groups cover whole tiles of 4·S elements (g a multiple of 4·S), each tile of y stays in 4 registers
     * while every vector adds coef_j·q with coef_j = alpha_j·scale computed once per vector and tile; the XOR
     * with 0x80 gives q directly. This agrees with {@link #axpyManyScalar} up to float rounding. Whole chunks
     * left over (or g a multiple of S only) run per chunk with the fma sequence of {@link #axpy}; other group
     * sizes run {@link #axpy} per vector.
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
        if (g % (4 * S) == 0) {
            for (; i + 4 * S <= n; i += 4 * S) {
                int at = yOff + i;
                FloatVector y0 = FloatVector.fromArray(F, y, at);
                FloatVector y1 = FloatVector.fromArray(F, y, at + S);
                FloatVector y2 = FloatVector.fromArray(F, y, at + 2 * S);
                FloatVector y3 = FloatVector.fromArray(F, y, at + 3 * S);
                int off = pOff + (i * BITS >>> 3);
                for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                    FloatVector cv = FloatVector.broadcast(F, alpha[aOff + j] * Float.float16ToFloat(scales[gi]));
                    FloatVector c0 = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector c1 = (FloatVector) ByteVector.fromArray(B, p, off + CHUNK_BYTES).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector c2 = (FloatVector) ByteVector.fromArray(B, p, off + 2 * CHUNK_BYTES).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector c3 = (FloatVector) ByteVector.fromArray(B, p, off + 3 * CHUNK_BYTES).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    y0 = c0.fma(cv, y0);
                    y1 = c1.fma(cv, y1);
                    y2 = c2.fma(cv, y2);
                    y3 = c3.fma(cv, y3);
                }
                y0.intoArray(y, at);
                y1.intoArray(y, at + S);
                y2.intoArray(y, at + 2 * S);
                y3.intoArray(y, at + 3 * S);
            }
        }
        for (; i + S <= n; i += S) {
            int at = yOff + i;
            FloatVector acc = FloatVector.fromArray(F, y, at);
            int off = pOff + (i * BITS >>> 3);
            for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                FloatVector c0 = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                FloatVector q = c0;
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
     * Fused over the vectors, vector by vector: each vector's partial dot products over a group's whole chunks run
     * with the decode written out (see {@link #axpyMany}), two accumulators; the group's scale multiplies them into
     * one vector accumulator, whose lanes are summed once per vector in a fixed order (so the result does not depend
     * on which JIT tier runs it); the XOR with 0x80 gives q directly. Agrees with {@link #dotManyScalar} up to float
     * rounding. Needs g a multiple of S; other group sizes run {@link #dot} per vector.
     */
    @Override
    public void dotMany(int count, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] x, int xOff, float[] out, int oOff) {
        int vb = checkMany(count, p, pOff, scales, sOff, g, n, x, xOff, out, oOff);
        if (!VECTOR || g % S != 0) {
            dotEach(count, p, pOff, vb, scales, sOff, g, n, x, xOff, out, oOff);
            return;
        }
        int ns = QuantizedVector.groups(n, g);
        for (int j = 0, vp = pOff; j < count; j++, vp += vb) {
            FloatVector acc = FloatVector.zero(F);
            float rest = 0f;
            for (int e0 = 0, gk = 0; e0 < n; e0 += g, gk++) {
                int end = Math.min(n, e0 + g);
                int vEnd = e0 + (end - e0) / S * S;
                FloatVector qa = FloatVector.zero(F);
                FloatVector qb = FloatVector.zero(F);
                int i = e0;
                int off = vp + (e0 * BITS >>> 3);
                for (; i + 2 * S <= vEnd; i += 2 * S, off += 2 * CHUNK_BYTES) {
                    FloatVector c0 = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector c1 = (FloatVector) ByteVector.fromArray(B, p, off + CHUNK_BYTES).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    qa = c0.fma(FloatVector.fromArray(F, x, xOff + i), qa);
                    qb = c1.fma(FloatVector.fromArray(F, x, xOff + i + S), qb);
                }
                if (i < vEnd) {
                    FloatVector c0 = (FloatVector) ByteVector.fromArray(B, p, off).lanewise(VectorOperators.XOR, (byte) 0x80).convertShape(VectorOperators.B2F, F, 0);
                    qa = c0.fma(FloatVector.fromArray(F, x, xOff + i), qa);
                    i += S;
                }
                float scale = Float.float16ToFloat(scales[sOff + j * ns + gk]);
                acc = qa.add(qb).fma(FloatVector.broadcast(F, scale), acc);
                float d = 0f;
                for (; i < end; i++) d += code(p, vp, i) * x[xOff + i];
                rest = Math.fma(scale, d, rest);
            }
            // lanes summed in a fixed order, written out: a vector passed to a method the JIT does not inline is boxed
            FloatVector dv = acc;
            if (S > 8) dv = dv.add(dv.rearrange(SWAP8));
            if (S > 4) dv = dv.add(dv.rearrange(SWAP4));
            if (S > 2) dv = dv.add(dv.rearrange(SWAP2));
            dv = dv.add(dv.rearrange(SWAP1));
            out[oOff + j] = dv.lane(0) + rest;
        }
    }
}
