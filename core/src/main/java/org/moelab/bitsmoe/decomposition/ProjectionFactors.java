package org.moelab.bitsmoe.decomposition;

/**
 * One projection of one MoE layer in BitsMoE's shared-basis form (methods.md §1.1).
 * gate/up: {@code W_e ≈ Σ_k s_{e,k} · u_{e,k} · v_kᵀ} with the shared directions v_k on the input side;
 * down: {@code W_e ≈ Σ_k s_{e,k} · u_k · v_{e,k}ᵀ} with the shared directions u_k on the output side.
 *
 * @param projection  "gate", "up" or "down"
 * @param eigenvalues (H) all eigenvalues of the Gram matrix, largest first (spectral energy; σ_k = √λ_k)
 * @param basis       (r, H) row k = shared direction k (v_k for gate/up, u_k for down)
 * @param scales      (E, r) s_{e,k}
 * @param units       (E, r, I) the expert-specific unit vectors (u_{e,k} for gate/up, v_{e,k} for down)
 */
public record ProjectionFactors(int layer, String projection, int experts, int rank, int hidden, int intermediate,
                                double[] eigenvalues, float[] basis, float[] scales, float[] units) {

    public ProjectionFactors {
        if (basis.length != rank * hidden || scales.length != experts * rank
                || units.length != (long) experts * rank * intermediate || eigenvalues.length != hidden) {
            throw new IllegalArgumentException("layer " + layer + " " + projection + ": factor shapes do not match E="
                    + experts + ", r=" + rank + ", H=" + hidden + ", I=" + intermediate);
        }
    }

    /** Whether the shared basis lives on the output side (down) rather than the input side (gate, up). */
    public boolean outputSide() {
        return "down".equals(projection);
    }

    public float scale(int e, int k) {
        return scales[e * rank + k];
    }

    /** Offset of unit (e, k) in {@link #units}. */
    public int unitOffset(int e, int k) {
        return (e * rank + k) * intermediate;
    }
}
