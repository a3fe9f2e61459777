package org.moelab.mobie;

import java.util.Arrays;

/**
 * One block of 128 input columns through BiLLM's structure search and binarization, mobie.md §1:
 * <ol>
 *   <li>column scores {@code c_j = Σ_i s_ij}; the top-i columns (i = 1..50) are tried as the salient set
 *       and the i with the smallest block error kept, both sides binarized with order 2 during the search
 *       as BiLLM's structural search does (so it compares partitions, not bit-widths);</li>
 *   <li>the non-salient weights are split at a threshold τ on |s|, searched over the 10th–90th
 *       percentiles (81 steps), into a concentrated (s ≤ τ) and a sparse (s > τ) group, each with its
 *       own order-1 (α, μ) per row;</li>
 *   <li>ARB refinement of every group (alternating least squares, {@link BinaryFit}) and rounding of the
 *       parameters to fp16, the precision they are stored in.</li>
 * </ol>
 * The block error is {@code Σ_i ω_i Σ_j (w_ij − ŵ_ij)² / d_j²}: GPTQ's proxy of the output error, with
 * row weights ω (σ² under CEJD, else 1).
 */
final class BlockBinarizer {

    /**
     * @param salientColumn (w)          @param sparse (rows, w) group of non-salient weights
     * @param plane1 (rows, w)           @param plane2 (rows, w) meaningful on salient columns
     * @param params (rows, 8) fp16-exact, order of {@link PackedBinaryMatrix}
     * @param approx (rows, w) ŵ as the packed matrix dequantizes it
     */
    record Block(int rows, int width, boolean[] salientColumn, boolean[] sparse, boolean[] plane1, boolean[] plane2,
                 float[] params, float[] approx, int salientCount, double tau, double error) {
    }

    private BlockBinarizer() {
    }

    /**
     * @param v         (rows, w) block weights (after error feedback from earlier blocks)
     * @param colWeight (w) 1 / d_j²
     * @param rowWeight (rows) ω_i, or null for 1
     * @param s         (rows, w) saliency (Hessian term, plus GLAS' gradient term)
     */
    static Block binarize(double[] v, int rows, int w, double[] colWeight, double[] rowWeight, double[] s, Binarizer.Options o) {
        Integer[] boxed = new Integer[w];
        double[] score = new double[w];
        for (int j = 0; j < w; j++) {
            boxed[j] = j;
            for (int i = 0; i < rows; i++) score[j] += s[i * w + j];
        }
        Arrays.sort(boxed, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
        int[] order = new int[w];
        for (int j = 0; j < w; j++) order[j] = boxed[j];
        // Rows permuted into column-score order: the salient set is then a prefix of every row.
        double[] pv = new double[rows * w], ps = new double[rows * w], pc = new double[w];
        for (int j = 0; j < w; j++) pc[j] = colWeight[order[j]];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < w; j++) {
                pv[r * w + j] = v[r * w + order[j]];
                ps[r * w + j] = s[r * w + order[j]];
            }
        }
        int salientCount = searchSalient(pv, rows, w, pc, rowWeight, o.maxSalientColumns());
        boolean[] salient = new boolean[w];
        for (int i = 0; i < salientCount; i++) salient[order[i]] = true;
        double tau = Double.POSITIVE_INFINITY;
        if (o.split() && salientCount < w) tau = searchTau(pv, ps, rows, w, salientCount, pc, rowWeight, o);
        return finish(v, rows, w, salient, salientCount, s, tau, colWeight, rowWeight, o, new Scratch(w));
    }

    private static double omega(double[] rowWeight, int r) {
        return rowWeight == null ? 1 : rowWeight[r];
    }

    /**
     * BiLLM's structural search: the top-i columns (i = 1..max) against the rest, both sides with order-2
     * residual binarization per row, so the search compares partitions rather than bit-widths; the i of
     * least block error wins.
     */
    static int searchSalient(double[] pv, int rows, int w, double[] pc, double[] rowWeight, int max) {
        int best = 1;
        double bestError = Double.POSITIVE_INFINITY;
        for (int i = 1; i <= Math.min(max, w); i++) {
            double e = 0;
            for (int r = 0; r < rows && e < bestError; r++) {
                e += omega(rowWeight, r) * (SearchErrors.order2Error(pv, pc, r * w, 0, i) + SearchErrors.order2Error(pv, pc, r * w, i, w));
            }
            if (e < bestError) {
                bestError = e;
                best = i;
            }
        }
        return best;
    }

    /**
     * Weighted error {@code Σ c_j (a_j − â_j)²} of order-2 binarization of {@code a[off+from .. off+to)}
     * with weights {@code c[from..to)}, in three passes: with d = a − μ1 and n± the counts of d ≥ 0 / < 0,
     * the first residual is {@code r = sgn(d)(|d| − α1)}, whose mean is {@code −α1 (n₊ − n₋) / n} since Σd = 0;
     * with e = r − μ2 the error is {@code Σc e² − 2α2 Σc|e| + α2² Σc}. The scalar reference of
     * {@link SearchErrors#order2Error}.
     */
    static double order2Error(double[] a, double[] c, int off, int from, int to) {
        int n = to - from;
        if (n <= 0) return 0;
        double mu1 = 0;
        for (int j = from; j < to; j++) mu1 += a[off + j];
        mu1 /= n;
        double abs = 0;
        int plus = 0;
        for (int j = from; j < to; j++) {
            double d = a[off + j] - mu1;
            abs += Math.abs(d);
            if (d >= 0) plus++;
        }
        double alpha1 = abs / n;
        double mu2 = -alpha1 * (2 * plus - n) / n;
        double sa = 0, sca = 0, sce2 = 0, sc = 0;
        for (int j = from; j < to; j++) {
            double d = a[off + j] - mu1;
            double e = (d >= 0 ? d - alpha1 : d + alpha1) - mu2;
            double ae = Math.abs(e);
            double cj = c[j];
            sa += ae;
            sca += cj * ae;
            sce2 += cj * e * e;
            sc += cj;
        }
        double alpha2 = sa / n;
        return sce2 - 2 * alpha2 * sca + alpha2 * alpha2 * sc;
    }

    /**
     * τ over the {@code splitLow..splitHigh} quantiles of the non-salient saliencies (BiLLM: of |s|),
     * minimising the block error of order-1 binarization of the two groups, each in two passes: means,
     * then {@code Σc (|d| − α)² = Σc d² − 2α Σc|d| + α² Σc} with d = a − μ.
     */
    private static double searchTau(double[] pv, double[] ps, int rows, int w, int first, double[] pc, double[] rowWeight,
                                    Binarizer.Options o) {
        int nonSalient = w - first;
        double[] keys = new double[rows * nonSalient];
        int k = 0;
        for (int r = 0; r < rows; r++) for (int j = first; j < w; j++) keys[k++] = Math.abs(ps[r * w + j]);
        Arrays.sort(keys);
        double best = Double.POSITIVE_INFINITY, bestTau = Double.POSITIVE_INFINITY, last = Double.NaN;
        for (int step = 0; step < o.splitSteps(); step++) {
            double q = o.splitSteps() == 1 ? o.splitLow() : o.splitLow() + (o.splitHigh() - o.splitLow()) * step / (o.splitSteps() - 1);
            double tau = keys[(int) Math.floor(q * (keys.length - 1))];
            if (tau == last) continue;
            last = tau;
            double e = 0;
            for (int r = 0; r < rows && e < best; r++) e += omega(rowWeight, r) * SearchErrors.splitError(pv, ps, pc, r * w, first, w, tau);
            if (e < best) {
                best = e;
                bestTau = tau;
            }
        }
        return bestTau;
    }

    /**
     * Both groups' order-1 error of one row's non-salient range {@code a[off+from .. off+to)} (group 1:
     * |s| > τ), weights {@code c[from..to)}. The scalar reference of {@link SearchErrors#splitError}.
     */
    static double splitError(double[] a, double[] s, double[] c, int off, int from, int to, double tau) {
        double sum0 = 0, sum1 = 0;
        int n1 = 0;
        for (int j = from; j < to; j++) {
            double f = Math.abs(s[off + j]) > tau ? 1 : 0, x = a[off + j];
            sum1 += f * x;
            sum0 += x - f * x;
            n1 += (int) f;
        }
        int n0 = to - from - n1;
        double mu0 = n0 == 0 ? 0 : sum0 / n0, mu1 = n1 == 0 ? 0 : sum1 / n1;
        double a0 = 0, ca0 = 0, cd0 = 0, c0 = 0, a1 = 0, ca1 = 0, cd1 = 0, c1 = 0;
        for (int j = from; j < to; j++) {
            double f = Math.abs(s[off + j]) > tau ? 1 : 0, g = 1 - f;
            double cj = c[j];
            double d = a[off + j] - (f * mu1 + g * mu0), ad = Math.abs(d);
            double cad = cj * ad, cdd = cj * d * d;
            a1 += f * ad;
            a0 += g * ad;
            ca1 += f * cad;
            ca0 += g * cad;
            cd1 += f * cdd;
            cd0 += g * cdd;
            c1 += f * cj;
            c0 += g * cj;
        }
        double al0 = n0 == 0 ? 0 : a0 / n0, al1 = n1 == 0 ? 0 : a1 / n1;
        return cd0 - 2 * al0 * ca0 + al0 * al0 * c0 + cd1 - 2 * al1 * ca1 + al1 * al1 * c1;
    }

    /** Gather buffers of one row. */
    private static final class Scratch {
        final double[] vals, tmp;
        final int[] idx;
        final boolean[] s1, s2;

        Scratch(int w) {
            vals = new double[w];
            tmp = new double[w];
            idx = new int[w];
            s1 = new boolean[w];
            s2 = new boolean[w];
        }
    }

    /** Row r's non-salient weights of one group (|s| > τ: sparse) into the scratch; returns their count. */
    private static int gather(double[] v, int r, int w, boolean[] salient, double[] s, double tau, boolean sparse, Scratch t) {
        int n = 0;
        for (int j = 0; j < w; j++) {
            if (salient[j] || (Math.abs(s[r * w + j]) > tau) != sparse) continue;
            t.vals[n] = v[r * w + j];
            t.idx[n++] = j;
        }
        return n;
    }

    /** Final fits (with ARB), fp16 rounding, and ŵ exactly as {@link PackedBinaryMatrix} dequantizes it. */
    private static Block finish(double[] v, int rows, int w, boolean[] salient, int salientCount, double[] s, double tau,
                                double[] colWeight, double[] rowWeight, Binarizer.Options o, Scratch t) {
        boolean[] sparse = new boolean[rows * w];
        boolean[] plane1 = new boolean[rows * w];
        boolean[] plane2 = new boolean[rows * w];
        float[] params = new float[rows * PackedBinaryMatrix.PARAMS];
        float[] approx = new float[rows * w];
        double error = 0;
        int arb = o.arbIterations();
        for (int r = 0; r < rows; r++) {
            int po = r * PackedBinaryMatrix.PARAMS;
            int n = 0;
            for (int j = 0; j < w; j++) if (salient[j]) t.idx[n++] = j;
            for (int k = 0; k < n; k++) t.vals[k] = v[r * w + t.idx[k]];
            BinaryFit.Plane[] p = BinaryFit.order2(t.vals, n, t.s1, t.s2, t.tmp, arb);
            for (int k = 0; k < n; k++) {
                plane1[r * w + t.idx[k]] = t.s1[k];
                plane2[r * w + t.idx[k]] = t.s2[k];
            }
            setPlane(params, po, p[0]);
            setPlane(params, po + 2, p[1]);
            for (int g = 0; g < 2; g++) {
                boolean sp = g == 1;
                int m = gather(v, r, w, salient, s, tau, sp, t);
                BinaryFit.Plane q = BinaryFit.order1(t.vals, m, t.s1);
                if (arb > 0) q = BinaryFit.refine(t.vals, m, t.s1, q, arb);
                setPlane(params, po + 4 + 2 * g, q);
                float mu = params[po + 5 + 2 * g];
                for (int k = 0; k < m; k++) {
                    int j = t.idx[k];
                    sparse[r * w + j] = sp;
                    // With the stored (fp16) μ, the best sign is again sign(r − μ).
                    plane1[r * w + j] = t.vals[k] - mu >= 0;
                }
            }
            double e = 0;
            for (int j = 0; j < w; j++) {
                float a = PackedBinaryMatrix.value(params, po, salient[j], sparse[r * w + j], plane1[r * w + j], plane2[r * w + j]);
                approx[r * w + j] = a;
                double d = v[r * w + j] - a;
                e += colWeight[j] * d * d;
            }
            error += omega(rowWeight, r) * e;
        }
        return new Block(rows, w, salient.clone(), sparse, plane1, plane2, params, approx, salientCount, tau, error);
    }

    private static void setPlane(float[] params, int off, BinaryFit.Plane p) {
        params[off] = Float.float16ToFloat(Float.floatToFloat16((float) p.alpha()));
        params[off + 1] = Float.float16ToFloat(Float.floatToFloat16((float) p.mu()));
    }
}
