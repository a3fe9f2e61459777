package org.moelab.mobie;

import org.moelab.linalg.SpectralCompute;
import org.moelab.linalg.SymmetricEigen;

/**
 * NGES, null-space guided expert-shift suppression (MoBiE, arXiv 2604.06798; mobie.md §4). From the
 * router inputs x of a layer, {@code C = E[x xᵀ]} is split into its principal subspace (the top-q
 * eigenvectors carrying {@code energy} of tr C [choice: 99 %]) and its complement, the input null space
 * with projector P; errors inside the null space are invisible to everything reading x, the router
 * included. Every weight that reads x (expert gate/up, shared experts, a quantized router) is then
 * binarized with {@code H_NGES = H + β · (tr H / dim) · P⊥}, {@code P⊥ = I − P} the projector onto the
 * principal subspace [choice: β = 1], which pushes the quantization error towards the null space.
 */
public final class Nges {

    /**
     * @param principal P⊥ (dim, dim) = Q Qᵀ over the top-q eigenvectors
     * @param q         the principal rank
     */
    public record Projector(int dim, int q, double[] principal) {
    }

    private Nges() {
    }

    /** The principal projector of a router-input second moment c (dim, dim). */
    public static Projector projector(double[] c, int dim, double energy, SpectralCompute sc) {
        SymmetricEigen e = sc.eigen(c, dim);
        double total = 0;
        for (double v : e.values()) total += Math.max(0, v);
        int q = 0;
        double acc = 0;
        while (q < dim && (q == 0 || acc < energy * total)) acc += Math.max(0, e.values()[q++]);
        double[] qm = new double[q * dim];
        System.arraycopy(e.vectors(), 0, qm, 0, q * dim); // rows = the top-q eigenvectors
        double[] p = new double[dim * dim];
        Gemm.gemm(true, false, dim, dim, q, 1, qm, 0, qm, 0, 0, p, 0);
        return new Projector(dim, q, p);
    }

    /** {@code H + β · (tr H / dim) · P⊥}; h itself is not modified, a null h stays null. */
    public static double[] penalize(double[] h, Projector p, double beta) {
        if (h == null) return null;
        int n = p.dim();
        double tr = 0;
        for (int i = 0; i < n; i++) tr += h[i * n + i];
        double s = beta * tr / n;
        double[] out = h.clone();
        for (int i = 0; i < out.length; i++) out[i] += s * p.principal()[i];
        return out;
    }
}
