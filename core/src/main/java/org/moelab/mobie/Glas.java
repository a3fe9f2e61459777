package org.moelab.mobie;

/**
 * GLAS, global-loss-aligned saliency (MoBiE, arXiv 2604.06798; mobie.md §3):
 * {@code s_ij = h_ij / mean(h) + λ · q_ij / mean(q)} over one block, with the local Hessian term
 * {@code h_ij = ω_i · w_ij² / d_j²} (BiLLM's saliency; ω = σ² under CEJD, else 1) and the first-order
 * loss term {@code q_ij = |g_ij · w_ij|}, g the gradient of the full-precision model's mean next-token
 * cross-entropy w.r.t. that weight. A block whose gradient is zero (an expert no calibration token reached)
 * keeps the Hessian term alone.
 */
public final class Glas {

    private Glas() {
    }

    /**
     * @param v     (rows, w) block weights
     * @param d     (w) diagonal of the upper Cholesky factor of H⁻¹
     * @param omega (rows) row weights, or null for 1
     * @param g     (rows, w) loss gradient of the block, or null for the Hessian term alone
     * @return s (rows, w)
     */
    public static double[] saliency(double[] v, int rows, int w, double[] d, double[] omega, double[] g, double lambda) {
        double[] s = new double[rows * w];
        double mh = 0;
        for (int i = 0; i < rows; i++) {
            double om = omega == null ? 1 : omega[i];
            for (int j = 0; j < w; j++) {
                double x = v[i * w + j] / d[j];
                s[i * w + j] = om * x * x;
                mh += s[i * w + j];
            }
        }
        mh /= rows * w;
        double hs = mh > 0 ? 1 / mh : 1;
        for (int k = 0; k < s.length; k++) s[k] *= hs;
        if (g == null || lambda == 0) return s;
        double mq = 0;
        for (int k = 0; k < s.length; k++) mq += Math.abs(g[k] * v[k]);
        mq /= rows * w;
        if (!(mq > 0)) return s;
        double qs = lambda / mq;
        for (int k = 0; k < s.length; k++) s[k] += qs * Math.abs(g[k] * v[k]);
        return s;
    }
}
