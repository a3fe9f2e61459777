package org.moelab.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What the scaled layouts (b ∈ {1,2,3,4,8}) share: the byte count, the argument checks and the scalar
 * reference kernels, written against the per-element decode {@link #code}. The fast paths are not here on
 * purpose: each layout writes its own loop with its decode inlined, because a virtual decode call shared by
 * five layouts would be megamorphic and the Vector API would box every vector it returns.
 */
abstract class GroupedLayout implements PackedLayout {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Lanes per float vector (16 with AVX-512, 8 with AVX2). */
    static final int S = F.length();
    /**
     * Lane swaps at distance 1, 2, 4, 8 (each null where S is not larger): the many-vector dot kernels sum a
     * vector's lanes with these in a fixed tree order. {@code reduceLanes(ADD)} leaves the order open, and the
     * JIT tiers do take different orders, which would make the same call give different bits over a run.
     */
    static final VectorShuffle<Float> SWAP1 = swap(1);
    static final VectorShuffle<Float> SWAP2 = swap(2);
    static final VectorShuffle<Float> SWAP4 = swap(4);
    static final VectorShuffle<Float> SWAP8 = swap(8);
    /** 64-bit lanes of the float shape (the paired-lane decode). */
    static final VectorSpecies<Long> L = VectorSpecies.of(long.class, F.vectorShape());
    /**
     * Pair order of S lanes: lane 2m holds element m, lane 2m+1 element m + S/2. {@link #TO_PAIRS} puts a
     * vector in element order into pair order, {@link #FROM_PAIRS} back.
     */
    static final VectorShuffle<Float> TO_PAIRS = S % 2 == 0 ? VectorShuffle.fromOp(F, l -> (l & 1) == 0 ? l / 2 : l / 2 + S / 2) : null;
    static final VectorShuffle<Float> FROM_PAIRS = S % 2 == 0 ? VectorShuffle.fromOp(F, e -> e < S / 2 ? 2 * e : 2 * (e - S / 2) + 1) : null;
    static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static VectorShuffle<Float> swap(int d) {
        return d < S ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
    }

    /**
     * Per group of g (a multiple of S) over x (n) from xOff: bias·Σx over the group's whole chunks, each group's
     * sum in a fixed order. The many-vector dot kernels sum the stored offset-binary fields c = q + bias and take
     * scale·bias·Σx off once per group and vector.
     */
    static float[] groupFolds(float[] x, int xOff, int n, int g, float bias) {
        float[] folds = scratch(1, (n + g - 1) / g);
        for (int e0 = 0, gk = 0; e0 < n; e0 += g, gk++) {
            int vEnd = e0 + (Math.min(n, e0 + g) - e0) / S * S;
            FloatVector sx = FloatVector.zero(F);
            for (int i = e0; i < vEnd; i += S) sx = sx.add(FloatVector.fromArray(F, x, xOff + i));
            if (S > 8) sx = sx.add(sx.rearrange(SWAP8));
            if (S > 4) sx = sx.add(sx.rearrange(SWAP4));
            if (S > 2) sx = sx.add(sx.rearrange(SWAP2));
            sx = sx.add(sx.rearrange(SWAP1));
            folds[gk] = bias * sx.lane(0);
        }
        return folds;
    }

    /** x (n) from xOff with each whole chunk of S put in pair order ({@link #TO_PAIRS}), from 0; the tail is not copied. */
    static float[] pairOrder(float[] x, int xOff, int n) {
        float[] xs = scratch(0, n);
        for (int i = 0; i + S <= n; i += S) FloatVector.fromArray(F, x, xOff + i).rearrange(TO_PAIRS).intoArray(xs, i);
        return xs;
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Per-thread scratch {@code slot} (0: x in pair order, 1: group folds) of at least n floats, reused across calls
     * (the kernels run per expert and token; allocating it each call showed in short rows). Contents are stale.
     */
    static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) s[slot] = new float[Math.max(n, 2 * s[slot].length)];
        return s[slot];
    }

    /** q of element i: the scalar decode, the one the reference kernels and {@link #unpack} use. */
    abstract int code(byte[] packed, int pOff, int i);

    @Override
    public long bytes(int length) {
        if (length < 0) throw new IllegalArgumentException("length " + length);
        return ((long) length * bits() + 7) >>> 3;
    }

    @Override
    public void unpack(byte[] packed, int pOff, int length, int[] codes, int cOff) {
        checkPacked(packed, pOff, length);
        Objects.checkFromIndexSize(cOff, length, codes.length);
        for (int i = 0; i < length; i++) codes[cOff + i] = code(packed, pOff, i);
    }

    @Override
    public float dotScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff) {
        check(packed, pOff, scales, sOff, groupSize, length, x, xOff);
        double sum = 0;
        for (int i = 0; i < length; i++) {
            float d = Float.float16ToFloat(scales[sOff + i / groupSize]) * code(packed, pOff, i);
            sum += (double) d * x[xOff + i];
        }
        return (float) sum;
    }

    @Override
    public void axpyScalar(float alpha, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] y, int yOff) {
        check(packed, pOff, scales, sOff, groupSize, length, y, yOff);
        for (int i = 0; i < length; i++) {
            float d = Float.float16ToFloat(scales[sOff + i / groupSize]) * code(packed, pOff, i);
            y[yOff + i] = Math.fma(alpha, d, y[yOff + i]);
        }
    }

    @Override
    public void dequantizeScalar(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] out, int oOff) {
        check(packed, pOff, scales, sOff, groupSize, length, out, oOff);
        for (int i = 0; i < length; i++) out[oOff + i] = Float.float16ToFloat(scales[sOff + i / groupSize]) * code(packed, pOff, i);
    }

    /** Rejects a code outside [lo, hi] with the element index in the message. */
    final int checkCode(int q, int lo, int hi, int index) {
        if (q < lo || q > hi) {
            throw new IllegalArgumentException(bits() + "-bit code " + q + " at element " + index + " is outside [" + lo + ", " + hi + "]");
        }
        return q;
    }

    final void checkPacked(byte[] packed, int pOff, int length) {
        Objects.checkFromIndexSize(pOff, Math.toIntExact(bytes(length)), packed.length);
    }

    final void check(byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length, float[] x, int xOff) {
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        checkPacked(packed, pOff, length);
        Objects.checkFromIndexSize(sOff, (int) (((long) length + groupSize - 1) / groupSize), scales.length);
        Objects.checkFromIndexSize(xOff, length, x.length);
    }

    /**
     * The checks of the many-vector kernels, once per call: {@code count} vectors of payload and scales, the
     * length-n vector {@code v} at vOff and {@code count} entries of {@code w} at wOff. Returns bytes(n).
     */
    final int checkMany(int count, byte[] packed, int pOff, short[] scales, int sOff, int groupSize, int length,
                        float[] v, int vOff, float[] w, int wOff) {
        if (count < 0) throw new IllegalArgumentException("count " + count);
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        long vb = bytes(length);
        Objects.checkFromIndexSize(pOff, count * vb, packed.length);
        Objects.checkFromIndexSize(sOff, (long) count * QuantizedVector.groups(length, groupSize), scales.length);
        Objects.checkFromIndexSize(vOff, length, v.length);
        Objects.checkFromIndexSize(wOff, count, w.length);
        return (int) vb;
    }

    /** The many-vector axpy as one {@link #axpy} per vector (group sizes the fused loops do not take). */
    final void axpyEach(int count, float[] alpha, int aOff, byte[] p, int pOff, int vb, short[] scales, int sOff, int g, int n, float[] y, int yOff) {
        int ns = QuantizedVector.groups(n, g);
        for (int j = 0; j < count; j++) axpy(alpha[aOff + j], p, pOff + j * vb, scales, sOff + j * ns, g, n, y, yOff);
    }

    /** The many-vector dot as one {@link #dot} per vector (group sizes the fused loops do not take). */
    final void dotEach(int count, byte[] p, int pOff, int vb, short[] scales, int sOff, int g, int n, float[] x, int xOff, float[] out, int oOff) {
        int ns = QuantizedVector.groups(n, g);
        for (int j = 0; j < count; j++) out[oOff + j] = dot(p, pOff + j * vb, scales, sOff + j * ns, g, n, x, xOff);
    }

    /** Whether the fast path may decode from element e on: it must start on a byte boundary. */
    final boolean byteAligned(int e) {
        return ((long) e * bits() & 7) == 0;
    }

    /** The low {@code n ≤ 8} bytes at p[off ..] as a little-endian long (upper bytes unspecified when in range). */
    static long readLE(byte[] p, int off, int n) {
        if (off + 8 <= p.length) return (long) LONG_LE.get(p, off);
        long w = 0;
        for (int k = 0; k < n; k++) w |= (long) (p[off + k] & 0xFF) << (8 * k);
        return w;
    }

    /**
     * S fields of {@code width} bits from a little-endian word, as floats minus {@code bias}: lane j is
     * {@code (word >>> shift_j) & mask} where lanes in {@code hiLanes} read the word shifted right by
     * {@code hiShift} first (so no field straddles the 32-bit int lanes).
     */
    static FloatVector fields(long word, int hiShift, VectorMask<Integer> hiLanes, IntVector shifts, int mask, float bias) {
        IntVector w = IntVector.broadcast(I, (int) word).blend((int) (word >>> hiShift), hiLanes);
        IntVector q = w.lanewise(VectorOperators.LSHR, shifts).lanewise(VectorOperators.AND, mask);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).sub(bias);
    }

    /** Per-lane constants for {@link #fields}: shift of lane j for fields of {@code width} bits. */
    static IntVector fieldShifts(int width, int hiShift) {
        int[] s = new int[S];
        for (int j = 0; j < S; j++) {
            int bit = j * width;
            s[j] = bit + width <= 32 ? bit : bit - hiShift;
        }
        return IntVector.fromArray(I, s, 0);
    }

    /** Whether S fields of {@code width} bits fit one 64-bit word read at a byte boundary with this hiShift. */
    static boolean fieldsFit(int width, int hiShift) {
        if (S * width % 8 != 0 || S * width > 64) return false;
        for (int j = 0; j < S; j++) {
            int bit = j * width;
            if (bit + width > 32 && (bit - hiShift < 0 || bit + width - hiShift > 32)) return false;
        }
        return true;
    }

    /**
     * The paired-lane decode of a chunk of S fields of {@code width} bits held in one 64-bit word w: long lane m
     * holds w rotated right by r_m, so that its low int holds element m at bit t_m and its high int element
     * m + S/2 at bit u_m; masking with {@code MASK << t} and converting gives the fields times 2^t in pair order.
     * Returns {r_m, t_m, u_m} per m, or null when the chunk does not fit one word or a field would straddle.
     */
    static int[][] pairLayout(int width) {
        if (S % 2 != 0 || S * width > 64 || L.length() * 2 != S) return null;
        int[][] out = new int[S / 2][];
        for (int m = 0; m < S / 2; m++) {
            int a = m * width;
            int b = (m + S / 2) * width;
            int r = Math.min(a, b - 32);
            int t = a - r;
            int u = b - r - 32;
            if (t < 0 || t + width > 32 || u < 0 || u + width > 32) return null;
            out[m] = new int[] {Math.floorMod(r, 64), t, u};
        }
        return out;
    }

    static LongVector pairRotations(int[][] pl) {
        long[] r = new long[pl.length];
        for (int m = 0; m < r.length; m++) r[m] = pl[m][0];
        return LongVector.fromArray(L, r, 0);
    }

    static IntVector pairMasks(int[][] pl, int mask) {
        int[] v = new int[2 * pl.length];
        for (int m = 0; m < pl.length; m++) {
            v[2 * m] = mask << pl[m][1];
            v[2 * m + 1] = mask << pl[m][2];
        }
        return IntVector.fromArray(I, v, 0);
    }

    /** 2^−t per lane: undoes the field offsets of {@link #pairLayout}; null when every offset is 0. */
    static FloatVector pairScales(int[][] pl) {
        float[] v = new float[2 * pl.length];
        boolean any = false;
        for (int m = 0; m < pl.length; m++) {
            v[2 * m] = Math.scalb(1f, -pl[m][1]);
            v[2 * m + 1] = Math.scalb(1f, -pl[m][2]);
            any |= pl[m][1] != 0 || pl[m][2] != 0;
        }
        return any ? FloatVector.fromArray(F, v, 0) : null;
    }

    /** Lanes whose field lies beyond bit 32 of the chunk's word. */
    static VectorMask<Integer> fieldHiLanes(int width) {
        boolean[] m = new boolean[S];
        for (int j = 0; j < S; j++) m[j] = j * width + width > 32;
        return VectorMask.fromArray(I, m, 0);
    }
}
