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
}
