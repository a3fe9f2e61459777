package org.moelab.bitsmoe;

import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.FactorizedMoeLayer;
import org.moelab.model.MoeWeights;
import org.moelab.tensor.Tensor;

/**
 * One MoE layer after BitsMoE: the shared bases (unquantized, bf16 or fp32) and the packed expert factors.
 *
 * @param gateBasis (r, H) row k = v_k of gate
 * @param upBasis   (r, H) row k = v_k of up
 * @param downBasis (r, H) row k = u_k of down
 * @param basisBf16 whether the bases are stored (and run) as bf16
 */
public record QuantizedLayer(int layer, int rank, int hidden, float[] gateBasis, float[] upBasis, float[] downBasis,
                             boolean basisBf16, FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {

    /** The runtime block, with the router and any shared expert taken from {@code source}. */
    public FactorizedMoeLayer block(MoeWeights source) {
        float[] downT = new float[hidden * rank]; // (H, r)
        for (int k = 0; k < rank; k++) {
            for (int h = 0; h < hidden; h++) downT[h * rank + k] = downBasis[k * hidden + h];
        }
        return new FactorizedMoeLayer(source, basis("gate_basis", gateBasis, rank, hidden), basis("up_basis", upBasis, rank, hidden),
                basis("down_basis", downT, hidden, rank), gate, up, down);
    }

    private Tensor basis(String name, float[] v, long rows, long cols) {
        return basisBf16 ? Tensor.ofBf16(name, v, rows, cols) : Tensor.ofFloats(name, v, rows, cols);
    }

    /** Stored bits of the bases. */
    public long basisBits() {
        return 3L * rank * hidden * (basisBf16 ? 16 : 32);
    }
}
