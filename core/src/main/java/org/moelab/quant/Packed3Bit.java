package org.moelab.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.util.Objects;

/**
 * b = 3: eight offset-binary codes c = q + 4 ∈ [0, 7] in three bytes, as one little-endian bit stream:
 * element i occupies bits [3i, 3i+3) of the vector's bytes read as one little-endian integer.
 * <pre>
 *            bit 7    bit 6    bit 5    bit 4    bit 3    bit 2    bit 1    bit 0
 *   byte 0:  c2.1     c2.0     c1.2     c1.1     c1.0     c0.2     c0.1     c0.0
 *   byte 1:  c5.0     c4.2     c4.1     c4.0     c3.2     c3.1     c3.0     c2.2
 *   byte 2:  c7.2     c7.1     c7.0     c6.2     c6.1     c6.0     c5.2     c5.1
 *   (c5.0 = bit 0 of code 5; codes 8..15 repeat the pattern in bytes 3..5, and so on)
 *   q ∈ [−4, 3];  bytes(n) = ⌈3n/8⌉, padding bits of the last byte are 0.
 *   dequant(i) = scale[i / g] · (c_i − 4)
 * </pre>
 * Fast path: 16 codes are 6 bytes read as one little-endian long w; lanes 0..9 take their field from
 * (int) w, lanes 10..15 from (int) (w >>> 16), so no field straddles an int lane.
 */
public final class Packed3Bit extends GroupedLayout {

    public static final Packed3Bit INSTANCE = new Packed3Bit();
    private static final int BITS = 3;
    private static final int MASK = (1 << BITS) - 1;
    /** Offset-binary: stored field = q + 2^(b−1). */
    private static final float BIAS = 1 << (BITS - 1);
    private static final int HI_SHIFT = 16;
    private static final int CHUNK_BYTES = S * BITS / 8;
    private static final boolean VECTOR = fieldsFit(BITS, HI_SHIFT);
    private static final IntVector SHIFTS = VECTOR ? fieldShifts(BITS, HI_SHIFT) : null;
    private static final VectorMask<Integer> HI_LANES = VECTOR ? fieldHiLanes(BITS) : null;
    /** Whether any lane reads the word shifted by HI_SHIFT (else the blend is skipped). */
    private static final boolean HAS_HI = VECTOR && HI_LANES.anyTrue();
    /** The paired-lane decode of the fused kernels (see {@link GroupedLayout#pairLayout}), where a chunk spans more than 32 bits. */
    private static final int[][] PAIR_LAYOUT = HAS_HI ? pairLayout(BITS) : null;
    private static final boolean PAIRS = PAIR_LAYOUT != null;
    private static final LongVector PAIR_ROT = PAIRS ? pairRotations(PAIR_LAYOUT) : null;
    private static final IntVector PAIR_MASK = PAIRS ? pairMasks(PAIR_LAYOUT, MASK) : null;
    private static final FloatVector PAIR_SCALE = PAIRS ? pairScales(PAIR_LAYOUT) : null;
    private static final boolean PAIR_SCALED = PAIR_SCALE != null;

    private Packed3Bit() {
    }

    @Override
    public int bits() {
        return BITS;
    }

    @Override
    public void pack(int[] codes, int off, int length, byte[] dst, int dstOff) {
        Objects.checkFromIndexSize(off, length, codes.length);
        int nBytes = (int) bytes(length);
        Objects.checkFromIndexSize(dstOff, nBytes, dst.length);
        int acc = 0;
        int held = 0;
        int k = dstOff;
        for (int i = 0; i < length; i++) {
            acc |= (checkCode(codes[off + i], -4, 3, i) + 4) << held;
            held += 3;
            if (held >= 8) {
                dst[k++] = (byte) acc;
                acc >>>= 8;
                held -= 8;
            }
        }
        if (held > 0) dst[k] = (byte) acc;
    }

    @Override
    int code(byte[] p, int pOff, int i) {
        int bit = 3 * i;
        int at = pOff + (bit >>> 3);
        int shift = bit & 7;
        int word = p[at] & 0xFF;
        if (shift > 5) word |= (p[at + 1] & 0xFF) << 8;
        return (word >>> shift & 7) - 4;
    }

    private static FloatVector chunk(byte[] p, int off) {
        return fields(readLE(p, off, CHUNK_BYTES), HI_SHIFT, HI_LANES, SHIFTS, MASK, BIAS);
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
     * while every vector adds coef_j·q with coef_j = alpha_j·scale computed once per vector and tile; the fields
     * are added as stored (c = q + BIAS) and BIAS·Σ_j coef_j comes off once per tile. Where a chunk spans more
     * than 32 bits ({@code PAIRS}), the tile is held in pair order (lane 2m = element m, lane 2m+1 = element m +
     * S/2): one 64-bit broadcast, one rotate per 64-bit lane and one mask then decode a chunk, instead of two
     * broadcasts, a blend and a shift. This agrees with {@link #axpyManyScalar} up to float rounding. Whole
     * chunks left over (or g a multiple of S only) run per chunk with the fma sequence of {@link #axpy}; other
     * group sizes run {@link #axpy} per vector.
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
                FloatVector y0 = PAIRS ? FloatVector.fromArray(F, y, at).rearrange(TO_PAIRS) : FloatVector.fromArray(F, y, at);
                FloatVector y1 = PAIRS ? FloatVector.fromArray(F, y, at + S).rearrange(TO_PAIRS) : FloatVector.fromArray(F, y, at + S);
                FloatVector y2 = PAIRS ? FloatVector.fromArray(F, y, at + 2 * S).rearrange(TO_PAIRS) : FloatVector.fromArray(F, y, at + 2 * S);
                FloatVector y3 = PAIRS ? FloatVector.fromArray(F, y, at + 3 * S).rearrange(TO_PAIRS) : FloatVector.fromArray(F, y, at + 3 * S);
                float biasSum = 0f;
                int off = pOff + (i * BITS >>> 3);
                for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                    float coef = alpha[aOff + j] * Float.float16ToFloat(scales[gi]);
                    biasSum += coef;
                    FloatVector cv = PAIR_SCALED ? FloatVector.broadcast(F, coef).mul(PAIR_SCALE) : FloatVector.broadcast(F, coef);
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
                    FloatVector c0 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w0).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w0).blend((int) (w0 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w0))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector c1 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w1).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w1).blend((int) (w1 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w1))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector c2 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w2).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w2).blend((int) (w2 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w2))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector c3 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w3).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w3).blend((int) (w3 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w3))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    y0 = c0.fma(cv, y0);
                    y1 = c1.fma(cv, y1);
                    y2 = c2.fma(cv, y2);
                    y3 = c3.fma(cv, y3);
                }
                FloatVector bv = FloatVector.broadcast(F, -BIAS * biasSum);
                y0 = y0.add(bv);
                y1 = y1.add(bv);
                y2 = y2.add(bv);
                y3 = y3.add(bv);
                (PAIRS ? y0.rearrange(FROM_PAIRS) : y0).intoArray(y, at);
                (PAIRS ? y1.rearrange(FROM_PAIRS) : y1).intoArray(y, at + S);
                (PAIRS ? y2.rearrange(FROM_PAIRS) : y2).intoArray(y, at + 2 * S);
                (PAIRS ? y3.rearrange(FROM_PAIRS) : y3).intoArray(y, at + 3 * S);
            }
        }
        for (; i + S <= n; i += S) {
            int at = yOff + i;
            FloatVector acc = FloatVector.fromArray(F, y, at);
            int off = pOff + (i * BITS >>> 3);
            for (int j = 0, gi = sOff + i / g; j < count; j++, off += vb, gi += ns) {
                long w0 = off + 8 <= p.length ? (long) LONG_LE.get(p, off) : readLE(p, off, CHUNK_BYTES);
                IntVector l0 = HAS_HI ? IntVector.broadcast(I, (int) w0).blend((int) (w0 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w0);
                FloatVector c0 = (FloatVector) l0.lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                FloatVector q = c0.sub(BIAS);
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
     * on which JIT tier runs it). The fields are multiplied as stored (c = q + BIAS) and scale·BIAS·Σx (Σx once per
     * group and call, {@link #groupFolds}) comes off in a scalar; with {@code PAIRS} the fields decode in pair order
     * (see {@link #axpyMany}) and x is put in that order once per call ({@link #pairOrder}). Agrees with {@link
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
        float[] folds = groupFolds(x, xOff, n, g, BIAS);
        float[] xv = PAIRS ? pairOrder(x, xOff, n) : x;   // whole chunks read from here, in decode order
        int xo = PAIRS ? 0 : xOff;
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
                    FloatVector c0 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w0).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w0).blend((int) (w0 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w0))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector c1 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w1).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w1).blend((int) (w1 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w1))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector x0 = FloatVector.fromArray(F, xv, xo + i);
                    FloatVector x1 = FloatVector.fromArray(F, xv, xo + i + S);
                    qa = c0.fma(x0, qa);
                    qb = c1.fma(x1, qb);
                }
                if (i < vEnd) {
                    long w0 = off + 8 <= p.length ? (long) LONG_LE.get(p, off) : readLE(p, off, CHUNK_BYTES);
                    FloatVector c0 = PAIRS
                            ? (FloatVector) LongVector.broadcast(L, w0).lanewise(VectorOperators.ROR, PAIR_ROT).reinterpretAsInts().lanewise(VectorOperators.AND, PAIR_MASK).convert(VectorOperators.I2F, 0)
                            : (FloatVector) (HAS_HI ? IntVector.broadcast(I, (int) w0).blend((int) (w0 >>> HI_SHIFT), HI_LANES) : IntVector.broadcast(I, (int) w0))
                                    .lanewise(VectorOperators.LSHR, SHIFTS).lanewise(VectorOperators.AND, MASK).convert(VectorOperators.I2F, 0);
                    FloatVector x0 = FloatVector.fromArray(F, xv, xo + i);
                    qa = c0.fma(x0, qa);
                    i += S;
                }
                float scale = Float.float16ToFloat(scales[sOff + j * ns + gk]);
                acc = qa.add(qb).fma(FloatVector.broadcast(F, scale), acc);
                float d = -folds[gk];
                for (; i < end; i++) d += code(p, vp, i) * x[xOff + i];
                rest = Math.fma(scale, d, rest);
            }
            // lanes summed in a fixed order, written out: a vector passed to a method the JIT does not inline is boxed
            FloatVector dv = PAIR_SCALED ? acc.mul(PAIR_SCALE) : acc;
            if (S > 8) dv = dv.add(dv.rearrange(SWAP8));
            if (S > 4) dv = dv.add(dv.rearrange(SWAP4));
            if (S > 2) dv = dv.add(dv.rearrange(SWAP2));
            dv = dv.add(dv.rearrange(SWAP1));
            out[oOff + j] = dv.lane(0) + rest;
        }
    }
}
