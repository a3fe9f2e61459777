package org.moelab.mobie;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BiLLM's order-1/order-2 formulas and ARB's closed forms on hand-computed rows. */
class BinaryFitTest {

    @Test
    void orderOneIsMeanAndMeanAbsoluteDeviation() {
        double[] r = {1, 2, 3, 6};
        boolean[] s = new boolean[4];
        BinaryFit.Plane p = BinaryFit.order1(r, 4, s);
        assertEquals(3.0, p.mu(), 0);
        assertEquals(1.5, p.alpha(), 0); // mean |[-2, -1, 0, 3]|
        assertArrayEquals(new boolean[] {false, false, true, true}, s); // sign(0) = +1
        assertEquals(1.5, p.value(s[0]), 0);
        assertEquals(4.5, p.value(s[3]), 0);
    }

    @Test
    void orderTwoBinarizesTheResidualAgain() {
        double[] r = {1, 2, 3, 6};
        boolean[] s1 = new boolean[4], s2 = new boolean[4];
        BinaryFit.Plane[] p = BinaryFit.order2(r, 4, s1, s2, new double[4], 0);
        // residual after plane 1: [-0.5, 0.5, -1.5, 1.5] → μ2 = 0, α2 = 1
        assertEquals(0.0, p[1].mu(), 1e-15);
        assertEquals(1.0, p[1].alpha(), 1e-15);
        assertArrayEquals(new boolean[] {false, true, false, true}, s2);
        double[] approx = new double[4];
        for (int i = 0; i < 4; i++) approx[i] = p[0].value(s1[i]) + p[1].value(s2[i]);
        assertArrayEquals(new double[] {0.5, 2.5, 3.5, 5.5}, approx, 1e-15);
    }

    @Test
    void arbFindsTheLeastSquaresScaleAndOffset() {
        double[] r = {0, 0, 0, 10};
        boolean[] s = new boolean[4];
        BinaryFit.Plane p = BinaryFit.order1(r, 4, s);
        assertEquals(2.5, p.mu(), 0);
        assertEquals(3.75, p.alpha(), 0);
        assertEquals(18.75, BinaryFit.sse(r, 4, s, p), 1e-12);
        // b = [-1, -1, -1, 1]: n = 4, Σb = -2, Σr = 10, Σbr = 10 → α = μ = 60 / 12 = 5, error 0.
        BinaryFit.Plane q = BinaryFit.refine(r, 4, s, p, 15);
        assertEquals(5.0, q.alpha(), 1e-12);
        assertEquals(5.0, q.mu(), 1e-12);
        assertEquals(0.0, BinaryFit.sse(r, 4, s, q), 1e-20);
    }

    @Test
    void arbNeverRaisesTheError() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(40);
            double[] r = new double[n];
            for (int i = 0; i < n; i++) r[i] = rnd.nextGaussian() * (rnd.nextInt(5) == 0 ? 4 : 1) + 0.3;
            boolean[] s = new boolean[n];
            BinaryFit.Plane p = BinaryFit.order1(r, n, s);
            double before = BinaryFit.sse(r, n, s, p);
            BinaryFit.Plane q = BinaryFit.refine(r, n, s, p, 15);
            assertTrue(BinaryFit.sse(r, n, s, q) <= before + 1e-12);
            boolean[] a = new boolean[n], b = new boolean[n], c = new boolean[n], d = new boolean[n];
            double[] tmp = new double[n];
            BinaryFit.Plane[] plain = BinaryFit.order2(r, n, a, b, tmp, 0);
            BinaryFit.Plane[] refined = BinaryFit.order2(r, n, c, d, tmp, 15);
            assertTrue(sse2(r, a, b, plain) <= sse2(r, a, b, plain) && sse2(r, c, d, refined) <= sse2(r, a, b, plain) + 1e-12);
        }
    }

    private static double sse2(double[] r, boolean[] s1, boolean[] s2, BinaryFit.Plane[] p) {
        double e = 0;
        for (int i = 0; i < r.length; i++) {
            double d = r[i] - p[0].value(s1[i]) - p[1].value(s2[i]);
            e += d * d;
        }
        return e;
    }
}
