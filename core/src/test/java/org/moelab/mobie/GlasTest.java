package org.moelab.mobie;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** GLAS' saliency: each term normalised by its block mean, λ on the gradient term. */
class GlasTest {

    @Test
    void bothTermsAreNormalisedByTheirBlockMeans() {
        double[] v = {1, -2, 0.5, 4};   // (2, 2)
        double[] d = {1, 2};
        double[] g = {0.1, 0, -0.4, 0.05};
        // h = [1, 1, 0.25, 4], mean 1.5625;  q = |g v| = [0.1, 0, 0.2, 0.2], mean 0.125
        double[] s = Glas.saliency(v, 2, 2, d, null, g, 2);
        double[] h = {1, 1, 0.25, 4}, q = {0.1, 0, 0.2, 0.2};
        for (int i = 0; i < 4; i++) assertEquals(h[i] / 1.5625 + 2 * q[i] / 0.125, s[i], 1e-12);
        // Row weights scale the Hessian term only.
        double[] sw = Glas.saliency(v, 2, 2, d, new double[] {2, 1}, null, 0);
        double[] hw = {2, 2, 0.25, 4};
        for (int i = 0; i < 4; i++) assertEquals(hw[i] / (8.25 / 4), sw[i], 1e-12);
    }

    @Test
    void aZeroGradientFallsBackToTheHessianTerm() {
        double[] v = {1, -2, 0.5, 4};
        double[] d = {1, 2};
        assertArrayEquals(Glas.saliency(v, 2, 2, d, null, null, 0), Glas.saliency(v, 2, 2, d, null, new double[4], 1), 0);
    }
}
