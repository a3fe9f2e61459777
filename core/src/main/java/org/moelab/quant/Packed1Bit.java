package org.moelab.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * b = 1: one sign bit per element, eight elements per byte, least significant bit first.
 * <pre>
 *   byte k:  bit 7   bit 6   bit 5   bit 4   bit 3   bit 2   bit 1   bit 0
 *           s[8k+7] s[8k+6] s[8k+5] s[8k+4] s[8k+3] s[8k+2] s[8k+1] s[8k+0]
 *   s = 1 for q = +1, s = 0 for q = −1;  bytes(n) = ⌈n/8⌉, padding bits of the last byte are 0.
 *   dequant(i) = scale[i / g] · q_i
 * </pre>
 * Fast path: the S sign bits of a chunk are one {@link VectorMask#fromLong} and select ±1 per lane.
 */
public final class Packed1Bit extends GroupedLayout {

    public static final Packed1Bit INSTANCE = new Packed1Bit();
    private static final int BITS = 1;
    private static final int CHUNK_BYTES = S / 8;
    private static final boolean VECTOR = S % 8 == 0 && S <= 64;
    private static final long LANE_BITS = S >= 64 ? -1L : (1L << S) - 1;

    private Packed1Bit() {
    }

    @Override
    public int bits() {
        return BITS;
    }

    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        java.util.Objects.checkFromIndexSize(off, length, codes.length);
        java.util.Objects.checkFromIndexSize(dstOff, (int) bytes(length), dst.length);
        for (int k = 0; k < length; k += 8) {
            int b = 0;
            for (int j = 0; j < 8 && k + j < length; j++) {
                int q = codes[off + k + j];
                if (q != 1 && q != -1) throw new IllegalArgumentException("1-bit code " + q + " at element " + (k + j) + " is not ±1");
                if (q == 1) b |= 1 << j;
            }
            dst[dstOff + (k >>> 3)] = (byte) b;
        }
    }

    @Override
    int code(byte[] p, int pOff, int i) {
        return (p[pOff + (i >>> 3)] >>> (i & 7) & 1) == 1 ? 1 : -1;
    }

    private static FloatVector chunk(byte[] p, int off) {
        VectorMask<Float> plus = VectorMask.fromLong(F, readLE(p, off, CHUNK_BYTES) & LANE_BITS);
        return FloatVector.broadcast(F, -1f).blend(1f, plus);
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
            if (VECTOR && ((long) e0 * BITS & 7) == 0 && m >= S) {
                FloatVector qx = FloatVector.zero(F);
                int off = pOff + (int) ((long) e0 * BITS >>> 3);
                for (; i + S <= m; i += S, off += CHUNK_BYTES) {
                    qx = chunk(p, off).fma(FloatVector.fromArray(F, x, xOff + e0 + i), qx);
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
            if (VECTOR && ((long) e0 * BITS & 7) == 0) {
                FloatVector sv = FloatVector.broadcast(F, scale);
                int off = pOff + (int) ((long) e0 * BITS >>> 3);
                for (; i + S <= m; i += S, off += CHUNK_BYTES) chunk(p, off).mul(sv).intoArray(out, oOff + e0 + i);
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
            if (VECTOR && ((long) e0 * BITS & 7) == 0) {
                FloatVector sv = FloatVector.broadcast(F, scale);
                int off = pOff + (int) ((long) e0 * BITS >>> 3);
                for (; i + S <= m; i += S, off += CHUNK_BYTES) {
                    int at = yOff + e0 + i;
                    chunk(p, off).mul(sv).fma(av, FloatVector.fromArray(F, y, at)).intoArray(y, at);
                }
            }
            for (; i < m; i++) y[yOff + e0 + i] = Math.fma(alpha, scale * code(p, pOff, e0 + i), y[yOff + e0 + i]);
        }
    }

    /**
     * Fused over the vectors, with the decode written out in the loops: a helper returning a vector that the JIT
     * does not inline (code size, stack, call depth) boxes every vector and falls back to the Java lane loops.
     * Where groups cover whole tiles of 4·S elements (g a multiple of 4·S), each tile of y stays in 4 registers
     * while every vector adds coef_j·q with coef_j = alpha_j·scale computed once per vector and tile; q = 2·bit
     * − 1, so 2·coef_j is added where the bit is set and Σ_j coef_j comes off once per tile. This agrees with
     * {@link #axpyManyScalar} up to float rounding. Whole chunks left over (or g a multiple of S only) run per
     * chunk with the fma sequence of {@link #axpy}; other group sizes run {@link #axpy} per vector.
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
                float biasSum = 0f;
                int off = pOff + (i * BITS >>> 3);
                for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                    float coef = alpha[aOff + j] * Float.float16ToFloat(scales[gi]);
                    biasSum += coef;
                    FloatVector cv2 = FloatVector.broadcast(F, 2f * coef);
                    long w0, w1, w2, w3;
                    if (off + 3 * CHUNK_BYTES + 8 <= p.length) {
                        w0 = (long) LONG_LE.get(p, off);
                        w1 = (long) LONG_LE.get(p, off + CHUNK_BYTES);
                        w2 = (long) LONG_LE.get(p, off + 2 * CHUNK_BYTES);
                        w3 = (long) LONG_LE.get(p, off + 3 * CHUNK_BYTES);
                    } else {
                        w0 = readLE(p, off, CHUNK_BYTES);
                        w1 = readLE(p, off + CHUNK_BYTES, CHUNK_BYTES);
                        w2 = readLE(p, off + 2 * CHUNK_BYTES, CHUNK_BYTES);
                        w3 = readLE(p, off + 3 * CHUNK_BYTES, CHUNK_BYTES);
                    }
                    y0 = y0.add(cv2, VectorMask.fromLong(F, w0 & LANE_BITS));
                    y1 = y1.add(cv2, VectorMask.fromLong(F, w1 & LANE_BITS));
                    y2 = y2.add(cv2, VectorMask.fromLong(F, w2 & LANE_BITS));
                    y3 = y3.add(cv2, VectorMask.fromLong(F, w3 & LANE_BITS));
                }
                FloatVector bv = FloatVector.broadcast(F, -biasSum);
                y0 = y0.add(bv);
                y1 = y1.add(bv);
                y2 = y2.add(bv);
                y3 = y3.add(bv);
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
                long w0 = off + 8 <= p.length ? (long) LONG_LE.get(p, off) : readLE(p, off, CHUNK_BYTES);
                FloatVector q = FloatVector.broadcast(F, -1f).blend(1f, VectorMask.fromLong(F, w0 & LANE_BITS));
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
     * Fused over the vectors, vector by vector: each vector's sums of x over its set bits in a group's whole chunks
     * (masked adds, two accumulators) go, times 2·scale, into one vector accumulator whose lanes are summed once
     * per vector in a fixed order (so the result does not depend on which JIT tier runs it); scale·Σx of each group
     * (summed once per call, {@link #groupFolds}) comes off in a scalar, as q = 2·bit − 1. Agrees with {@link
     * #dotManyScalar} up to float rounding. Needs g a multiple of S; other group sizes run {@link #dot} per vector.
     */
    @Override
    public void dotMany(int count, byte[] p, int pOff, short[] scales, int sOff, int g, int n, float[] x, int xOff, float[] out, int oOff) {
        int vb = checkMany(count, p, pOff, scales, sOff, g, n, x, xOff, out, oOff);
        if (!VECTOR || g % S != 0) {
            dotEach(count, p, pOff, vb, scales, sOff, g, n, x, xOff, out, oOff);
            return;
        }
        int ns = QuantizedVector.groups(n, g);
        float[] folds = groupFolds(x, xOff, n, g, 1f);
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
                    long w0, w1;
                    if (off + CHUNK_BYTES + 8 <= p.length) {
                        w0 = (long) LONG_LE.get(p, off);
                        w1 = (long) LONG_LE.get(p, off + CHUNK_BYTES);
                    } else {
                        w0 = readLE(p, off, CHUNK_BYTES);
                        w1 = readLE(p, off + CHUNK_BYTES, CHUNK_BYTES);
                    }
                    qa = qa.add(FloatVector.fromArray(F, x, xOff + i), VectorMask.fromLong(F, w0 & LANE_BITS));
                    qb = qb.add(FloatVector.fromArray(F, x, xOff + i + S), VectorMask.fromLong(F, w1 & LANE_BITS));
                }
                if (i < vEnd) {
                    long w0 = off + 8 <= p.length ? (long) LONG_LE.get(p, off) : readLE(p, off, CHUNK_BYTES);
                    qa = qa.add(FloatVector.fromArray(F, x, xOff + i), VectorMask.fromLong(F, w0 & LANE_BITS));
                    i += S;
                }
                float scale = Float.float16ToFloat(scales[sOff + j * ns + gk]);
                acc = qa.add(qb).fma(FloatVector.broadcast(F, 2f * scale), acc);   // Σ_{bit set} x, twice: q = 2·bit − 1
                float d = -folds[gk];
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
