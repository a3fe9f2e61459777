package org.moelab.mobie;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block search (salient columns, τ split) and the GPTQ-style block loop with error feedback. */
class BinarizerTest {

    static double[] randomBlock(SplittableRandom rnd, int rows, int w) {
        double[] v = new double[rows * w];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextGaussian() * (rnd.nextInt(20) == 0 ? 5 : 1);
        return v;
    }

    static double[] ones(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    @Test
    void anOutlierColumnIsSalientAndTheSearchedCountIsTheBest() {
        SplittableRandom rnd = new SplittableRandom(1);
        int rows = 6, w = 10;
        double[] v = randomBlock(rnd, rows, w);
        for (int r = 0; r < rows; r++) v[r * w + 4] = 40 + 10 * rnd.nextGaussian();
        double[] d = ones(w);
        Binarizer.Options o = new Binarizer.Options(128, 0.01, 50, false, 0.1, 0.9, 81, 0, false);
        double[] s = Glas.saliency(v, rows, w, d, null, null, 0);
        BlockBinarizer.Block b = BlockBinarizer.binarize(v, rows, w, ones(w), null, s, o);
        assertTrue(b.salientColumn()[4], "the outlier column is salient");
        // Brute force: every top-i salient set, both sides order 2 (BiLLM's structural search).
        Integer[] order = new Integer[w];
        double[] score = new double[w];
        for (int j = 0; j < w; j++) {
            order[j] = j;
            for (int r = 0; r < rows; r++) score[j] += v[r * w + j] * v[r * w + j];
        }
        java.util.Arrays.sort(order, (a, c) -> Double.compare(score[c], score[a]));
        double best = Double.POSITIVE_INFINITY;
        int bestI = 0;
        for (int i = 1; i <= w; i++) {
            double e = 0;
            for (int r = 0; r < rows; r++) {
                double[] sal = new double[i], rest = new double[w - i];
                for (int k = 0; k < i; k++) sal[k] = v[r * w + order[k]];
                for (int k = i; k < w; k++) rest[k - i] = v[r * w + order[k]];
                e += order2Sse(sal) + order2Sse(rest);
            }
            if (e < best) {
                best = e;
                bestI = i;
            }
        }
        assertEquals(bestI, b.salientCount());
        assertTrue(bestI < w / 2, "few salient columns: " + bestI);
    }

    @Test
    void theClosedFormSearchErrorsEqualTheFits() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int trial = 0; trial < 100; trial++) {
            int n = 1 + rnd.nextInt(30);
            double[] a = new double[n + 3], c = new double[n + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextGaussian() + (rnd.nextInt(4) == 0 ? 3 : 0);
                c[i] = 0.1 + rnd.nextDouble();
            }
            double[] seg = java.util.Arrays.copyOfRange(a, 3, 3 + n);
            boolean[] s1 = new boolean[n], s2 = new boolean[n];
            BinaryFit.Plane[] p = BinaryFit.order2(seg, n, s1, s2, new double[n], 0);
            double e = 0;
            for (int i = 0; i < n; i++) e += c[3 + i] * Math.pow(seg[i] - p[0].value(s1[i]) - p[1].value(s2[i]), 2);
            // order2Error reads a[off + j] with weights c[j], j in [from, to)
            double[] cw = java.util.Arrays.copyOfRange(c, 3, 3 + n);
            assertEquals(e, BlockBinarizer.order2Error(seg, cw, 0, 0, n), 1e-9 * (1 + e));
        }
    }

    @Test
    void vectorSearchKernelsEqualTheScalarReferences() {
        SplittableRandom rnd = new SplittableRandom(13);
        int[] sizes = {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 127, 128, 129};
        for (int n : sizes) {
            for (int off : new int[] {0, 5}) {
                for (int from : new int[] {0, 1, n / 2}) {
                    if (from >= n) continue;
                    double[] a = new double[off + n], s = new double[off + n], c = new double[n];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = rnd.nextGaussian() + 0.2;
                        s[i] = rnd.nextGaussian();
                    }
                    for (int i = 0; i < n; i++) c[i] = 0.2 + rnd.nextDouble();
                    double ref = BlockBinarizer.order2Error(a, c, off, from, n);
                    assertEquals(ref, SearchErrors.order2Error(a, c, off, from, n), 1e-10 * (1 + ref), "order 2, n " + n);
                    for (double tau : new double[] {0, 0.5, 10}) {
                        double r2 = BlockBinarizer.splitError(a, s, c, off, from, n, tau);
                        assertEquals(r2, SearchErrors.splitError(a, s, c, off, from, n, tau), 1e-10 * (1 + r2), "split, n " + n);
                    }
                }
            }
        }
    }

    static double order2Sse(double[] a) {
        int n = a.length;
        if (n == 0) return 0;
        boolean[] s1 = new boolean[n], s2 = new boolean[n];
        BinaryFit.Plane[] p = BinaryFit.order2(a, n, s1, s2, new double[n], 0);
        double e = 0;
        for (int i = 0; i < n; i++) e += Math.pow(a[i] - p[0].value(s1[i]) - p[1].value(s2[i]), 2);
        return e;
    }

    @Test
    void theSplitSeparatesSmallFromLargeWeightsAndLowersTheError() {
        int rows = 4, w = 64;
        SplittableRandom rnd = new SplittableRandom(3);
        double[] v = new double[rows * w];
        for (int i = 0; i < v.length; i++) v[i] = (i % 8 == 0 ? 3 : 0.1) * (rnd.nextBoolean() ? 1 : -1) * (1 + 0.1 * rnd.nextGaussian());
        double[] s = Glas.saliency(v, rows, w, ones(w), null, null, 0);
        Binarizer.Options split = new Binarizer.Options(128, 0.01, 1, true, 0.1, 0.9, 81, 0, false);
        Binarizer.Options none = new Binarizer.Options(128, 0.01, 1, false, 0.1, 0.9, 81, 0, false);
        BlockBinarizer.Block a = BlockBinarizer.binarize(v, rows, w, ones(w), null, s, split);
        BlockBinarizer.Block b = BlockBinarizer.binarize(v, rows, w, ones(w), null, s, none);
        assertTrue(a.error() < 0.2 * b.error(), "split " + a.error() + " vs one group " + b.error());
        for (int i = 0; i < v.length; i++) {
            if (a.salientColumn()[i % w]) continue;
            assertEquals(Math.abs(v[i]) > 1, a.sparse()[i], "large weights form the sparse group");
        }
    }

    @Test
    void arbAndTheSplitNeverHurtOnRandomBlocks() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 5; trial++) {
            int rows = 8, w = 128;
            double[] v = randomBlock(rnd, rows, w);
            double[] d = new double[w], cw = new double[w];
            for (int j = 0; j < w; j++) {
                d[j] = 0.5 + rnd.nextDouble();
                cw[j] = 1 / (d[j] * d[j]);
            }
            double[] s = Glas.saliency(v, rows, w, d, null, null, 0);
            double plain = BlockBinarizer.binarize(v, rows, w, cw, null, s, new Binarizer.Options(128, 0.01, 50, false, 0.1, 0.9, 81, 0, false)).error();
            double arb = BlockBinarizer.binarize(v, rows, w, cw, null, s, new Binarizer.Options(128, 0.01, 50, false, 0.1, 0.9, 81, 15, false)).error();
            double full = BlockBinarizer.binarize(v, rows, w, cw, null, s, Binarizer.Options.defaults()).error();
            assertTrue(arb <= plain * (1 + 1e-3), "ARB " + arb + " vs " + plain);
            assertTrue(full < arb, "split " + full + " vs " + arb);
        }
    }

    @Test
    void withoutCalibrationTheLossIsThePlainSquaredErrorOfTheStoredWeights() {
        SplittableRandom rnd = new SplittableRandom(9);
        int rows = 5, cols = 300;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        Binarizer.Result r = Binarizer.binarize(w, rows, cols, null, null, null, 0, Binarizer.Options.defaults());
        double e = 0;
        for (int i = 0; i < w.length; i++) e += Math.pow(w[i] - r.weights()[i], 2);
        assertEquals(e, r.loss(), 1e-9 * e);
        double norm = 0;
        for (float x : w) norm += x * x;
        assertTrue(e < 0.25 * norm, "binarization keeps most of the energy: " + e / norm);
    }

    @Test
    void errorFeedbackLowersTheOutputErrorOnCorrelatedInputs() {
        SplittableRandom rnd = new SplittableRandom(12);
        int rows = 32, cols = 256, t = 3000;
        double[] a = new double[cols * cols]; // x = A z: mixed inputs, every 17th source louder
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian() / Math.sqrt(cols);
        for (int j = 0; j < cols; j++) a[j * cols + j] += 0.3;
        double[] z = new double[t * cols];
        for (int i = 0; i < z.length; i++) z[i] = rnd.nextGaussian() * ((i % cols) % 17 == 0 ? 5 : 1);
        double[] x = new double[t * cols];
        Gemm.gemm(false, true, t, cols, cols, 1, z, 0, a, 0, 0, x, 0);
        double[] h = new double[cols * cols];
        Gemm.gemm(true, false, cols, cols, t, 2.0 / t, x, 0, x, 0, 0, h, 0);
        for (int j = 0; j < cols; j++) { h[3 * cols + j] = 0; h[j * cols + 3] = 0; } // a dead input
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        Binarizer.Options d = Binarizer.Options.defaults();
        Binarizer.Result billm = Binarizer.binarize(w, rows, cols, h, null, null, 0, d);
        Binarizer.Result exact = Binarizer.binarize(w, rows, cols, h, null, null, 0, new Binarizer.Options(d.blockSize(), d.percDamp(),
                d.maxSalientColumns(), d.split(), d.splitLow(), d.splitHigh(), d.splitSteps(), d.arbIterations(), true));
        Binarizer.Result none = Binarizer.binarize(w, rows, cols, null, null, null, 0, d);
        assertEquals(1, billm.deadColumns());
        double a1 = outputError(w, billm.weights(), h, rows, cols), a2 = outputError(w, exact.weights(), h, rows, cols);
        double a0 = outputError(w, none.weights(), h, rows, cols);
        // BiLLM's diagonal feedback ignores the coupling inside a block; on strongly mixed inputs it can
        // even lose to no feedback (here it does), the exact block compensation does not.
        assertTrue(a2 < 0.9 * a0, "exact block feedback " + a2 + " vs none " + a0);
        assertTrue(a2 < 0.9 * a1, "exact block feedback " + a2 + " vs BiLLM " + a1);
        assertFalse(billm.salientColumns() == 0);
    }

    /** tr(ΔW H ΔWᵀ). */
    static double outputError(float[] w, float[] q, double[] h, int rows, int cols) {
        double e = 0;
        for (int r = 0; r < rows; r++) {
            for (int a = 0; a < cols; a++) {
                double da = w[r * cols + a] - q[r * cols + a];
                if (da == 0) continue;
                for (int b = 0; b < cols; b++) e += da * h[a * cols + b] * (w[r * cols + b] - q[r * cols + b]);
            }
        }
        return e;
    }
}
