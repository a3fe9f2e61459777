package org.moelab.quant;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

/**
 * The BitsMoE quantizer (methods.md §1.2; "BitsMoE: Efficient Spectral Energy-Guided Bit Allocation for MoE
 * LLM Quantization", arXiv 2606.00079): symmetric, signed, no zero point, groups of g consecutive elements
 * (the last group may be short), one fp16 scale per group. Symbols: b = bits, g = {@link Options#groupSize},
 * q = codes, scale = the group's step.
 *
 * <ul>
 *   <li>b ∈ {2,3,4}: q ∈ [−2^{b−1}, 2^{b−1}−1]. From a start scale, alternate
 *       {@code q = clamp(rint(x/scale))} and the least-squares refit {@code scale = Σx·q / Σq·q}, at most
 *       {@link Options#maxIterations} times, stopping when q repeats. The public runtime starts once from
 *       mean|x|. <b>[choice]</b> (methods.md §8) by default also start from fractions f·absmax/qmax
 *       ({@link Options#startFractions}, 0.50, 0.55, …, 1.00) and keep the start with the lowest squared
 *       error; mean|x| is tried first and only a strictly lower error displaces it, so the multi-start result
 *       is never worse than the public one.</li>
 *   <li>b = 1: q = sign(x) with sign(0) = +1, scale = mean|x| (which is also the least-squares scale).</li>
 *   <li>b = 8: absmax scale, absmax/127, q ∈ [−127, 127] (symmetric; −128 is never produced).</li>
 *   <li>b = 0: dropped, no storage. b = 16: the fp16 value of each element.</li>
 * </ul>
 * Every candidate ends the same way: the scale is rounded to fp16 and the codes are re-chosen as
 * {@code clamp(rint(x/scale16))} against that stored scale, and the squared error is measured with it, so
 * what is compared is exactly what dequantizes. Rounding is {@link Math#rint} (ties to even). An all-zero
 * group gets scale 0 and codes 0 (b = 1: codes +1), never NaN. Non-finite input, or a scale beyond the fp16
 * range, is rejected.
 */
public final class SymmetricGroupQuantizer {

    /** Widths this quantizer produces (methods.md §1.2 candidates). */
    public static final int[] WIDTHS = {0, 1, 2, 3, 4, 8, 16};

    /**
     * @param groupSize      g, elements per fp16 scale (paper: 128)
     * @param multiStart     <b>[choice]</b> true: also start from f·absmax/qmax for each f; false: only mean|x| (public runtime)
     * @param startFractions the f grid, each in (0, ∞)
     * @param maxIterations  rint/refit rounds per start (public runtime: 50)
     * @param int16          b = 16 as int16 levels with fp16 group scales ({@link PackedInt16}) instead of fp16 values
     */
    public record Options(int groupSize, boolean multiStart, double[] startFractions, int maxIterations, boolean int16) {

        /** b = 16 as fp16 values (methods.md §1.2's "16 = kept as fp16"). */
        public Options(int groupSize, boolean multiStart, double[] startFractions, int maxIterations) {
            this(groupSize, multiStart, startFractions, maxIterations, false);
        }

        public Options {
            if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
            if (maxIterations <= 0) throw new IllegalArgumentException("max iterations " + maxIterations);
            startFractions = startFractions.clone();
            for (double f : startFractions) {
                if (!(f > 0) || Double.isInfinite(f)) throw new IllegalArgumentException("start fraction " + f);
            }
        }

        /** g = 128, multi-start over f = 0.50, 0.55, …, 1.00, 50 iterations. */
        public static Options defaults() {
            double[] f = new double[11];
            for (int k = 0; k < f.length; k++) f[k] = (10 + k) / 20.0;
            return new Options(128, true, f, 50);
        }

        /** The public runtime's behaviour: g = 128, start mean|x| only, 50 iterations. */
        public static Options publicRuntime() {
            return new Options(128, false, new double[0], 50);
        }

        public Options withGroupSize(int g) {
            return new Options(g, multiStart, startFractions, maxIterations, int16);
        }

        public Options withInt16(boolean i16) {
            return new Options(groupSize, multiStart, startFractions, maxIterations, i16);
        }

        @Override
        public double[] startFractions() {
            return startFractions.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Options v && groupSize == v.groupSize && multiStart == v.multiStart
                    && maxIterations == v.maxIterations && Arrays.equals(startFractions, v.startFractions) && int16 == v.int16;
        }

        @Override
        public int hashCode() {
            return Objects.hash(groupSize, multiStart, maxIterations, Arrays.hashCode(startFractions), int16);
        }

        @Override
        public String toString() {
            return "Options[groupSize=" + groupSize + ", multiStart=" + multiStart + ", startFractions="
                    + Arrays.toString(startFractions) + ", maxIterations=" + maxIterations + ", int16=" + int16 + "]";
        }
    }

    private static final SymmetricGroupQuantizer DEFAULT = new SymmetricGroupQuantizer();

    private final Options options;

    public SymmetricGroupQuantizer() {
        this(Options.defaults());
    }

    public SymmetricGroupQuantizer(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** Quantizes x[off, off+len) at b bits, b ∈ {0, 1, 2, 3, 4, 8, 16}. */
    public QuantizedVector quantize(float[] x, int off, int len, int bits) {
        Objects.checkFromIndexSize(off, len, x.length);
        PackedLayout.forBits(bits);
        int g = options.groupSize();
        for (int i = 0; i < len; i++) {
            if (!Float.isFinite(x[off + i])) throw new IllegalArgumentException("non-finite value " + x[off + i] + " at element " + i);
        }
        if (bits == 0) return new QuantizedVector(0, len, g, new int[0], new short[0]);
        int[] codes = new int[len];
        if (bits == 16 && options.int16()) return int16(x, off, len, g, codes);
        if (bits == 16) {
            for (int i = 0; i < len; i++) {
                short h = Float.floatToFloat16(x[off + i]);
                if (Float.isInfinite(Float.float16ToFloat(h))) throw new IllegalArgumentException("value " + x[off + i] + " at element " + i + " overflows fp16");
                codes[i] = h & 0xFFFF;
            }
            return new QuantizedVector(16, len, g, codes, new short[0]);
        }
        short[] scales = new short[QuantizedVector.groups(len, g)];
        int[] work = new int[Math.min(g, len)];
        int[] best = new int[work.length];
        for (int g0 = 0, k = 0; g0 < len; g0 += g, k++) {
            int n = Math.min(g, len - g0);
            scales[k] = switch (bits) {
                case 1 -> signGroup(x, off + g0, n, codes, g0);
                case 8 -> absmaxGroup(x, off + g0, n, codes, g0);
                default -> fitGroup(x, off + g0, n, bits, codes, g0, work, best);
            };
        }
        return new QuantizedVector(bits, len, g, codes, scales);
    }

    /**
     * b = 16, int16 option: per group the fp16 scale is absmax/32767 rounded up to an fp16 value (so no level
     * clips; a subnormal scale only coarsens the step of a group that is tiny already), then q = rint(x/scale).
     */
    private static QuantizedVector int16(float[] x, int off, int len, int g, int[] codes) {
        short[] scales = new short[QuantizedVector.groups(len, g)];
        for (int g0 = 0, k = 0; g0 < len; g0 += g, k++) {
            int n = Math.min(g, len - g0);
            float absmax = 0;
            for (int i = 0; i < n; i++) absmax = Math.max(absmax, Math.abs(x[off + g0 + i]));
            float want = absmax / 32767f;
            short h = toFp16(want);
            if (Float.float16ToFloat(h) < want) h = toFp16(Float.float16ToFloat((short) (h + 1))); // next fp16 value up
            float s16 = Float.float16ToFloat(h);
            scales[k] = h;
            for (int i = 0; i < n; i++) codes[g0 + i] = s16 == 0 ? 0 : code(x[off + g0 + i], s16, -32767, 32767);
        }
        return new QuantizedVector(16, len, g, codes, scales);
    }

    /** Q_b(u[off, off+len)) dequantized into out[0, len); the shape of the cost model's UnitQuantizer. */
    public void roundTrip(float[] u, int off, int len, int bits, float[] out) {
        quantize(u, off, len, bits).dequantize(out, 0);
    }

    /** ε_b(u) = ‖u − Q_b(u)‖² with this quantizer's options (ε_0 = ‖u‖²). */
    public double distortion(float[] u, int off, int len, int bits) {
        return quantize(u, off, len, bits).squaredError(u, off);
    }

    /** ε_b(u) = ‖u − Q_b(u)‖² for the cost model (methods.md §1.3), with {@link Options#defaults()}. */
    public static double distortion(float[] unitVector, int bits) {
        return DEFAULT.distortion(unitVector, 0, unitVector.length, bits);
    }

    /** q = clamp(rint(v/scale), lo, hi), ties to even. */
    static int code(float v, float scale, int lo, int hi) {
        double r = Math.rint(v / scale);
        return (int) Math.max(lo, Math.min(hi, r));
    }

    private static short toFp16(float s) {
        short h = Float.floatToFloat16(s);
        if (Float.isInfinite(Float.float16ToFloat(h))) throw new IllegalArgumentException("group scale " + s + " overflows fp16");
        return h;
    }

    private static short signGroup(float[] x, int at, int n, int[] codes, int c0) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(x[at + i]);
            codes[c0 + i] = x[at + i] >= 0 ? 1 : -1;
        }
        return toFp16((float) (sum / n));
    }

    private static short absmaxGroup(float[] x, int at, int n, int[] codes, int c0) {
        float absmax = 0;
        for (int i = 0; i < n; i++) absmax = Math.max(absmax, Math.abs(x[at + i]));
        short h = toFp16(absmax / 127f);
        float s = Float.float16ToFloat(h);
        for (int i = 0; i < n; i++) codes[c0 + i] = s == 0 ? 0 : code(x[at + i], s, -127, 127);
        return h;
    }

    /** b ∈ {2,3,4}: the best of the starts; writes the codes, returns the fp16 scale. */
    private short fitGroup(float[] x, int at, int n, int bits, int[] codes, int c0, int[] q, int[] best) {
        int lo = -(1 << (bits - 1));
        int hi = (1 << (bits - 1)) - 1;
        double absSum = 0;
        float absmax = 0;
        for (int i = 0; i < n; i++) {
            absSum += Math.abs(x[at + i]);
            absmax = Math.max(absmax, Math.abs(x[at + i]));
        }
        if (absmax == 0) {
            Arrays.fill(codes, c0, c0 + n, 0);
            return 0;
        }
        short bestScale = 0;
        double bestErr = Double.POSITIVE_INFINITY;
        int starts = 1 + (options.multiStart() ? options.startFractions.length : 0);
        for (int k = 0; k < starts; k++) {
            float start = k == 0 ? (float) (absSum / n) : (float) (options.startFractions[k - 1] * absmax / hi);
            short h = refine(x, at, n, lo, hi, start, q);
            double err = finish(x, at, n, lo, hi, Float.float16ToFloat(h), q);
            if (err < bestErr) {
                bestErr = err;
                bestScale = h;
                System.arraycopy(q, 0, best, 0, n);
            }
        }
        System.arraycopy(best, 0, codes, c0, n);
        return bestScale;
    }

    /**
     * Alternates rint-clamp and least-squares refit from {@code start}; returns the refit scale as fp16. Whole
     * chunks of S run on the Vector API ({@link #codesAndSums}), giving the scalar loop's codes exactly (the same
     * float division, rint ties-to-even, clamp) and Σx·q in double, summed in another order.
     */
    short refine(float[] x, int at, int n, int lo, int hi, float start, int[] q) {
        float s = start;
        double[] sums = new double[2];
        for (int it = 0; it < options.maxIterations(); it++) {
            boolean changed = codesAndSums(x, at, n, lo, hi, s, q, it == 0, sums);
            double xq = sums[0];
            long qq = (long) sums[1];
            if (!changed) break;
            if (qq == 0) break;
            float refit = (float) (xq / qq);
            if (!(refit > 0)) break;
            s = refit;
        }
        return toFp16(s);
    }

    /** The scalar refine loop, kept as the reference the vector one is tested against. */
    short refineScalar(float[] x, int at, int n, int lo, int hi, float start, int[] q) {
        float s = start;
        for (int it = 0; it < options.maxIterations(); it++) {
            boolean changed = false;
            double xq = 0;
            long qq = 0;
            for (int i = 0; i < n; i++) {
                int c = code(x[at + i], s, lo, hi);
                if (it == 0 || c != q[i]) changed = true;
                q[i] = c;
                xq += (double) x[at + i] * c;
                qq += (long) c * c;
            }
            if (!changed) break;
            if (qq == 0) break;
            float refit = (float) (xq / qq);
            if (!(refit > 0)) break;
            s = refit;
        }
        return toFp16(s);
    }

    private static final VectorSpecies<Float> VF = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> VI = VectorSpecies.of(int.class, VF.vectorShape());
    private static final VectorSpecies<Double> VD = VectorSpecies.of(double.class, VF.vectorShape());
    /** 1.5·2²³: (v + M) − M is rint(v), ties to even, for |v| ≤ 2²² (v is clamped to [lo − 1, hi + 1] first). */
    private static final float RINT_MAGIC = 12582912f;

    /** clamp(rint(x / s), lo, hi) lane by lane, as {@link #code}: float division, ties to even (as floats). */
    private static FloatVector codesOf(FloatVector x, FloatVector s, int lo, int hi) {
        FloatVector v = x.div(s).max(lo - 1).min(hi + 1);
        return v.add(RINT_MAGIC).sub(RINT_MAGIC).max(lo).min(hi);
    }

    /**
     * q[i] = clamp(rint(x[at+i] / s), lo, hi) for i in [0, n); sums[0] = Σ x·q (double), sums[1] = Σ q² (exact).
     * Returns whether any code differs from q's previous content (always true when {@code first}).
     */
    private static boolean codesAndSums(float[] x, int at, int n, int lo, int hi, float s, int[] q, boolean first, double[] sums) {
        boolean changed = first;
        int i = 0;
        double xq = 0;
        long qq = 0;
        if (VF.length() >= 4 && n >= VF.length()) {
            int lanes = VF.length();
            var sv = FloatVector.broadcast(VF, s);
            var xqa = DoubleVector.zero(VD);
            var xqb = DoubleVector.zero(VD);
            var qqv = IntVector.zero(VI);
            for (; i + lanes <= n; i += lanes) {
                var xv = FloatVector.fromArray(VF, x, at + i);
                var v = codesOf(xv, sv, lo, hi);
                var c = (IntVector) v.convert(VectorOperators.F2I, 0);
                if (!changed && c.compare(VectorOperators.NE, IntVector.fromArray(VI, q, i)).anyTrue()) {
                    changed = true;
                }
                c.intoArray(q, i);
                qqv = qqv.add(c.mul(c));
                var x0 = (DoubleVector) xv.convert(VectorOperators.F2D, 0);
                var x1 = (DoubleVector) xv.convert(VectorOperators.F2D, 1);
                var c0 = (DoubleVector) v.convert(VectorOperators.F2D, 0);
                var c1 = (DoubleVector) v.convert(VectorOperators.F2D, 1);
                xqa = x0.fma(c0, xqa);
                xqb = x1.fma(c1, xqb);
            }
            var d = xqa.add(xqb);
            for (int l = 0; l < d.length(); l++) xq += d.lane(l);   // fixed order
            qq = qqv.reduceLanes(VectorOperators.ADD);   // exact: order-free
        }
        for (; i < n; i++) {
            int c = code(x[at + i], s, lo, hi);
            if (c != q[i]) changed = true;
            q[i] = c;
            xq += (double) x[at + i] * c;
            qq += (long) c * c;
        }
        sums[0] = xq;
        sums[1] = qq;
        return changed;
    }

    /**
     * Codes against the stored scale s16, and their squared error (whole chunks on the Vector API: the same codes as
     * {@link #code}, the error summed in double in another order).
     */
    private static double finish(float[] x, int at, int n, int lo, int hi, float s16, int[] q) {
        double err = 0;
        int i = 0;
        if (s16 != 0 && VF.length() >= 4 && n >= VF.length()) {
            int lanes = VF.length();
            var sv = FloatVector.broadcast(VF, s16);
            var ea = DoubleVector.zero(VD);
            var eb = DoubleVector.zero(VD);
            for (; i + lanes <= n; i += lanes) {
                var xv = FloatVector.fromArray(VF, x, at + i);
                var v = codesOf(xv, sv, lo, hi);
                ((IntVector) v.convert(VectorOperators.F2I, 0)).intoArray(q, i);
                var p = v.mul(sv);   // s16·c as a float product, as the scalar loop
                var d0 = ((DoubleVector) xv.convert(VectorOperators.F2D, 0))
                        .sub((DoubleVector) p.convert(VectorOperators.F2D, 0));
                var d1 = ((DoubleVector) xv.convert(VectorOperators.F2D, 1))
                        .sub((DoubleVector) p.convert(VectorOperators.F2D, 1));
                ea = d0.fma(d0, ea);
                eb = d1.fma(d1, eb);
            }
            var e = ea.add(eb);
            for (int l = 0; l < e.length(); l++) err += e.lane(l);   // fixed order
        }
        for (; i < n; i++) {
            int c = s16 == 0 ? 0 : code(x[at + i], s16, lo, hi);
            q[i] = c;
            double d = (double) x[at + i] - s16 * c;
            err += d * d;
        }
        return err;
    }
}
