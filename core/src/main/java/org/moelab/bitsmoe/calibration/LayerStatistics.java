package org.moelab.bitsmoe.calibration;

/**
 * What calibration recorded for one MoE layer; memory is fixed by the layer's shape, not by the number
 * of calibration tokens. Energies weight each routed token by its squared routing weight g², so they
 * are the routing-weighted output energies the cost model needs (methods.md §1.3).
 *
 * @param tokens       (E) routed tokens per expert
 * @param gSum         (E) Σ g over routed tokens
 * @param gateEnergy   (E, r) A_{e,k} = Σ_{t→e} g² (v_kᵀ x_t)² along the gate basis
 * @param upEnergy     (E, r) the same along the up basis
 * @param downDiag     (E, I) diag(C_z)_i = Σ_{t→e} g² z_{t,i}², z the expert's intermediate activation
 */
public record LayerStatistics(int layer, int experts, int rank, int intermediate,
                              long[] tokens, double[] gSum, double[] gateEnergy, double[] upEnergy, double[] downDiag) {

    public static LayerStatistics empty(int layer, int experts, int rank, int intermediate) {
        return new LayerStatistics(layer, experts, rank, intermediate, new long[experts], new double[experts],
                new double[experts * rank], new double[experts * rank], new double[experts * intermediate]);
    }

    public long totalRouted() {
        long n = 0;
        for (long t : tokens) n += t;
        return n;
    }
}
