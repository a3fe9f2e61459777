package org.moelab.compute;

import org.moelab.quant.PackedLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Every {@link ComputeBackend} operation against {@link ReferenceKernels} on awkward sizes (1, 7, 31, 127, 129,
 * 1000, ...: not multiples of a group or a vector width), with offsets into every buffer, and with the named error
 * budgets below. In main, not in a test tree, so that core's tests and the opencl module's tests run the very same
 * suite on their backends (and {@code bench kernels} can check before it times). Each check returns the failures,
 * one line each; an empty list is a pass.
 *
 * <p>Budgets, with ε = 2^−24 (float's unit roundoff):
 * <ul>
 *   <li>{@link #DEQUANT_ULPS} = 0 for every width: scale·q (and an fp16 value) is exact in float, so any
 *       implementation must give the reference's bits.</li>
 *   <li>matvec (and the prepared matvec, {@link ComputeBackend#prepareMatvec}) / transposed matvec: |got − ref| ≤ k_b·ε·Σ|terms| with k_b = {@link #matvecBudget(int)}: the error
 *       of a float sum in some order of ≤ a few thousand terms against the double-accumulated reference. A term is
 *       |scale|·(|q| + o_b)·|x| with o_b = {@link #foldedOffset(int)}: the fused CPU kernels sum the stored
 *       offset-binary fields c = q + o_b and take o_b·Σ off afterwards (documented on the layouts), so their
 *       rounding scales with the fields, not with q.</li>
 *   <li>Gram: {@link org.moelab.linalg.GramPrecision#relativeBudget(int)} of the backend's precision, times
 *       Σ|a_ik·a_jk|: double {@link #GRAM_REL}; float (one call's product in float, then a double accumulator)
 *       k·ε + 1e−12 per call, k the summed dimension.</li>
 *   <li>{@link #MATMUL_EPS}: k = 256 for float matmul: 256·ε·Σ|x·w|.</li>
 * </ul>
 */
public final class ParitySuite {

    public static final int[] LENGTHS = {1, 7, 31, 127, 129, 1000};
    public static final int[] COUNTS = {1, 7, 33, 100};
    public static final int[] GROUP_SIZES = {128, 32, 7};
    public static final int[] WIDTHS = {0, 1, 2, 3, 4, 8, 16};
    public static final int DEQUANT_ULPS = 0;
    public static final double GRAM_REL = 1e-12;
    public static final double MATMUL_EPS = 256;
    private static final double EPS = 0x1p-24;
    private static final int P_OFF = 3;
    private static final int S_OFF = 2;
    private static final int V_OFF = 5;

    private ParitySuite() {
    }

    /** k_b of the matvec budget, in units of ε·Σ|terms|, per bit-width (named so a change is deliberate). */
    public static double matvecBudget(int bits) {
        return switch (bits) {
            case 0 -> 0;           // every value is 0
            case 1, 2, 3, 4 -> 128; // small-integer codes: the error is the float sum's
            case 8 -> 128;
            case 16 -> 256;        // fp16 values span 2^±14: cancellation in the sum
            default -> throw new IllegalArgumentException("bits " + bits);
        };
    }

    /** o_b: the offset the fused kernels may fold out of a sum (2^(b−1) for b ∈ {2,3,4}, 1 for b = 1, else 0). */
    public static int foldedOffset(int bits) {
        return switch (bits) {
            case 1 -> 1;
            case 2, 3, 4 -> 1 << (bits - 1);
            default -> 0;
        };
    }

    /** |scale|·(|q| + o_b) of every element, (count, length): the magnitude a term's rounding scales with. */
    static double[] termMagnitudes(PackedRows w) {
        int n = w.length();
        float[] d = new float[w.count() * n];
        ReferenceKernels.dequantize(w, d, 0);
        double[] m = new double[d.length];
        int o = foldedOffset(w.bits());
        for (int j = 0; j < w.count(); j++) {
            for (int i = 0; i < n; i++) {
                double s = o == 0 ? 0 : Math.abs(Float.float16ToFloat(w.scales()[w.sOff() + j * w.scalesPerRow() + i / w.groupSize()]));
                m[j * n + i] = Math.abs(d[j * n + i]) + s * o;
            }
        }
        return m;
    }

    /** Random packed rows with offsets: codes over the width's whole range, fp16 scales of either sign, some 0. */
    public static PackedRows randomRows(Random r, int bits, int count, int length, int g, boolean specials) {
        PackedLayout l = PackedLayout.forBits(bits);
        int vb = Math.toIntExact(l.bytes(length));
        int ns = l.scaleCount(length, g);
        byte[] p = new byte[P_OFF + count * vb + 2];
        int[] codes = new int[length];
        for (int j = 0; j < count; j++) {
            for (int i = 0; i < length; i++) codes[i] = randomCode(r, bits, specials);
            l.pack(codes, 0, bits == 0 ? 0 : length, p, P_OFF + j * vb);
        }
        short[] scales = new short[S_OFF + count * ns + 1];
        for (int k = 0; k < scales.length; k++) {
            double mag = r.nextInt(10) == 0 ? 0 : Math.scalb(1 + r.nextDouble(), -r.nextInt(12));
            scales[k] = Float.floatToFloat16((float) (r.nextInt(4) == 0 ? -mag : mag));
        }
        return new PackedRows(l, count, length, g, p, P_OFF, scales, S_OFF);
    }

    static int randomCode(Random r, int bits, boolean specials) {
        return switch (bits) {
            case 0 -> 0;
            case 1 -> r.nextBoolean() ? 1 : -1;
            case 16 -> {
                int h = r.nextInt(0x10000);
                if (!specials) while ((h & 0x7C00) == 0x7C00) h = r.nextInt(0x10000); // finite only
                yield h;
            }
            default -> r.nextInt(1 << bits) - (1 << (bits - 1));
        };
    }

    static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static String where(String op, int bits, int count, int length, int g) {
        return op + " " + bits + "-bit (" + count + ", " + length + "), g = " + g;
    }

    /** dequantize: the reference's bits exactly (fp16 ∞ included; a NaN must be a NaN, its payload is not promised). */
    public static List<String> dequantize(ComputeBackend b, int bits, long seed) {
        List<String> fails = new ArrayList<>();
        Random r = new Random(seed);
        for (int g : GROUP_SIZES) for (int count : COUNTS) for (int n : LENGTHS) {
            PackedRows w = randomRows(r, bits, count, n, g, true);
            float[] want = new float[V_OFF + count * n + 1];
            float[] got = new float[want.length];
            java.util.Arrays.fill(want, 42f);
            java.util.Arrays.fill(got, 42f);
            ReferenceKernels.dequantize(w, want, V_OFF);
            b.dequantize(w, got, V_OFF);
            for (int k = 0; k < want.length; k++) {
                if (Float.floatToRawIntBits(want[k]) != Float.floatToRawIntBits(got[k]) && !(Float.isNaN(want[k]) && Float.isNaN(got[k]))) {
                    fails.add(where("dequantize", bits, count, n, g) + ": element " + (k - V_OFF) + " is " + got[k] + ", reference " + want[k]);
                    break;
                }
            }
        }
        return fails;
    }

    /** matvec: within k_b·ε·Σ|d·x| of the double reference; outputs outside [oOff, oOff+count) untouched. */
    public static List<String> matvec(ComputeBackend b, int bits, long seed) {
        List<String> fails = new ArrayList<>();
        Random r = new Random(seed);
        for (int g : GROUP_SIZES) for (int count : COUNTS) for (int n : LENGTHS) {
            PackedRows w = randomRows(r, bits, count, n, g, false);
            float[] x = gaussian(r, V_OFF + n + 2);
            float[] want = new float[V_OFF + count + 1];
            ReferenceKernels.matvec(w, x, V_OFF, want, V_OFF);
            double[] d = termMagnitudes(w);
            float[] got = new float[want.length];
            java.util.Arrays.fill(got, 42f);
            b.matvec(w, x, V_OFF, got, V_OFF);
            checkRows(fails, "matvec", w, x, d, want, got);
            // the same rows prepared once (the CPU backend's table-lookup form for 2/3/4 bits)
            ComputeBackend.PreparedMatvec prepared = b.prepareMatvec(w);
            java.util.Arrays.fill(got, 42f);
            prepared.apply(x, V_OFF, got, V_OFF);
            checkRows(fails, "prepared matvec [" + prepared.form() + "]", w, x, d, want, got);
        }
        return fails;
    }

    private static void checkRows(List<String> fails, String op, PackedRows w, float[] x, double[] d, float[] want, float[] got) {
        int bits = w.bits();
        int count = w.count();
        int n = w.length();
        for (int j = 0; j < count; j++) {
            double mag = 0;
            for (int i = 0; i < n; i++) mag += d[j * n + i] * Math.abs(x[V_OFF + i]);
            double err = Math.abs((double) got[V_OFF + j] - want[V_OFF + j]);
            if (!(err <= matvecBudget(bits) * EPS * mag)) {
                fails.add(where(op, bits, count, n, w.groupSize()) + ": row " + j + " is " + got[V_OFF + j] + ", reference " + want[V_OFF + j]
                        + ", error " + err + " > budget " + matvecBudget(bits) + "·ε·" + mag);
                break;
            }
        }
        if (got[V_OFF - 1] != 42f || got[V_OFF + count] != 42f) fails.add(where(op, bits, count, n, w.groupSize()) + ": wrote outside its output");
    }

    /** transposed matvec: y_i within k_b·ε·(|y_i| + Σ_j|alpha_j·d_j(i)|) of the reference. */
    public static List<String> matvecTransposed(ComputeBackend b, int bits, long seed) {
        List<String> fails = new ArrayList<>();
        Random r = new Random(seed);
        for (int g : GROUP_SIZES) for (int count : COUNTS) for (int n : LENGTHS) {
            PackedRows w = randomRows(r, bits, count, n, g, false);
            float[] alpha = gaussian(r, V_OFF + count);
            float[] y0 = gaussian(r, V_OFF + n + 2);
            float[] want = y0.clone();
            float[] got = y0.clone();
            ReferenceKernels.matvecTransposed(w, alpha, V_OFF, want, V_OFF);
            b.matvecTransposed(w, alpha, V_OFF, got, V_OFF);
            double[] d = termMagnitudes(w);
            for (int i = 0; i < n; i++) {
                double mag = Math.abs(y0[V_OFF + i]);
                for (int j = 0; j < count; j++) mag += Math.abs(alpha[V_OFF + j]) * d[j * n + i];
                double err = Math.abs((double) got[V_OFF + i] - want[V_OFF + i]);
                if (!(err <= matvecBudget(bits) * EPS * mag)) {
                    fails.add(where("matvecTransposed", bits, count, n, g) + ": element " + i + " is " + got[V_OFF + i] + ", reference "
                            + want[V_OFF + i] + ", error " + err);
                    break;
                }
            }
            if (got[V_OFF - 1] != y0[V_OFF - 1] || got[V_OFF + n] != y0[V_OFF + n]) fails.add(where("matvecTransposed", bits, count, n, g) + ": wrote outside y");
        }
        return fails;
    }

    /** Gram of columns and of rows, accumulated twice (g += ...), within the precision's budget·Σ|products|; exactly symmetric. */
    public static List<String> gram(ComputeBackend b, long seed) {
        List<String> fails = new ArrayList<>();
        Random r = new Random(seed);
        int[] sizes = {1, 7, 31, 129};
        for (int rows : sizes) for (int cols : new int[] {1, 7, 33, 127}) for (boolean ofColumns : new boolean[] {true, false}) {
            int order = ofColumns ? cols : rows;
            float[] a1 = gaussian(r, rows * cols);
            float[] a2 = gaussian(r, rows * cols);
            double[] want = new double[order * order];
            double[] got = new double[order * order];
            double[] mag = new double[order * order];
            for (float[] a : new float[][] {a1, a2}) {
                float[] abs = new float[a.length];
                for (int k = 0; k < a.length; k++) abs[k] = Math.abs(a[k]);
                if (ofColumns) {
                    ReferenceKernels.addGramOfColumns(a, rows, cols, want);
                    ReferenceKernels.addGramOfColumns(abs, rows, cols, mag);
                    b.addGramOfColumns(a, rows, cols, got);
                } else {
                    ReferenceKernels.addGramOfRows(a, rows, cols, want);
                    ReferenceKernels.addGramOfRows(abs, rows, cols, mag);
                    b.addGramOfRows(a, rows, cols, got);
                }
            }
            String what = (ofColumns ? "Gram of columns" : "Gram of rows") + " (" + rows + ", " + cols + "), " + b.gramPrecision();
            double budget = b.gramPrecision().relativeBudget(ofColumns ? rows : cols);
            for (int k = 0; k < want.length; k++) {
                int i = k / order;
                int j = k % order;
                if (!(Math.abs(got[k] - want[k]) <= budget * mag[k])) {
                    fails.add(what + ": entry (" + i + ", " + j + ") is " + got[k] + ", reference " + want[k]);
                    break;
                }
                if (got[k] != got[j * order + i]) {
                    fails.add(what + ": not symmetric at (" + i + ", " + j + ")");
                    break;
                }
            }
        }
        return fails;
    }

    /** Batched matmul within MATMUL_EPS·ε·Σ|x·w|. */
    public static List<String> matmul(ComputeBackend b, long seed) {
        List<String> fails = new ArrayList<>();
        Random r = new Random(seed);
        for (int n : new int[] {1, 2, 7, 33}) for (int in : new int[] {1, 7, 31, 129, 1000}) for (int out : new int[] {1, 7, 127}) {
            float[] w = gaussian(r, out * in);
            float[] x = gaussian(r, n * in);
            float[] want = new float[n * out];
            float[] got = new float[n * out];
            ReferenceKernels.matmul(w, out, in, x, n, want);
            b.matmul(w, out, in, x, n, got);
            search:
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < out; o++) {
                    double mag = 0;
                    for (int k = 0; k < in; k++) mag += Math.abs((double) x[t * in + k] * w[o * in + k]);
                    double err = Math.abs((double) got[t * out + o] - want[t * out + o]);
                    if (!(err <= MATMUL_EPS * EPS * mag)) {
                        fails.add("matmul (n " + n + ", in " + in + ", out " + out + "): (" + t + ", " + o + ") is " + got[t * out + o]
                                + ", reference " + want[t * out + o]);
                        break search;
                    }
                }
            }
        }
        return fails;
    }
}
