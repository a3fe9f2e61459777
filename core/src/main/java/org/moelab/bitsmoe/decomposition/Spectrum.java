package org.moelab.bitsmoe.decomposition;

/**
 * The pictures of methods.md §1.1 for one projection, as data: the normalized eigenvalue curve, its
 * cumulative sum, and each expert's energy along each shared direction.
 *
 * @param normalized     (H) λ_k / Σλ
 * @param cumulative     (H) Σ_{j≤k} λ_j / Σλ
 * @param expertEnergies (E, r) s_{e,k}²
 */
public record Spectrum(int layer, String projection, int experts, int rank, double[] normalized, double[] cumulative,
                       double[] expertEnergies) {

    public static Spectrum of(ProjectionFactors f) {
        double[] lam = f.eigenvalues();
        double total = 0;
        for (double v : lam) total += Math.max(0, v);
        double[] norm = new double[lam.length];
        double[] cum = new double[lam.length];
        double run = 0;
        for (int k = 0; k < lam.length; k++) {
            norm[k] = total == 0 ? 0 : Math.max(0, lam[k]) / total;
            run += norm[k];
            cum[k] = run;
        }
        double[] energies = new double[f.experts() * f.rank()];
        for (int i = 0; i < energies.length; i++) energies[i] = (double) f.scales()[i] * f.scales()[i];
        return new Spectrum(f.layer(), f.projection(), f.experts(), f.rank(), norm, cum, energies);
    }

    /** Smallest k whose first k directions carry at least {@code fraction} of the energy. */
    public int directionsFor(double fraction) {
        for (int k = 0; k < cumulative.length; k++) if (cumulative[k] >= fraction) return k + 1;
        return cumulative.length;
    }
}
