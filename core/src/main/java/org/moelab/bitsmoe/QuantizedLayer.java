package org.moelab.bitsmoe;

import org.moelab.bitsmoe.execution.BasisOp;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.FactorizedMoeLayer;
import org.moelab.bitsmoe.execution.InputProjection;
import org.moelab.bitsmoe.execution.SharedBasis;
import org.moelab.model.MoeWeights;

/**
 * One MoE layer after BitsMoE: the shared bases (bf16, f32 or int8; {@link SharedBasis}) and the packed expert factors.
 *
 * @param gateBasis (r, H) row k = v_k of gate
 * @param upBasis   (r, H) row k = v_k of up
 * @param downBasis (r, H) row k = u_k of down
 */
public record QuantizedLayer(int layer, int rank, int hidden, SharedBasis gateBasis, SharedBasis upBasis, SharedBasis downBasis,
                             FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {

    public QuantizedLayer {
        for (SharedBasis b : new SharedBasis[] {gateBasis, upBasis, downBasis}) {
            if (b.rank() != rank || b.hidden() != hidden) {
                throw new IllegalArgumentException("layer " + layer + ": a (" + b.rank() + ", " + b.hidden() + ") basis, expected (" + rank + ", " + hidden + ")");
            }
        }
        if (gateBasis.storage() != upBasis.storage() || gateBasis.storage() != downBasis.storage()) {
            throw new IllegalArgumentException("layer " + layer + ": the three bases are stored differently");
        }
    }

    /** Bases (r, H) as floats, stored as {@code storage} (INT8 quantizes them here). */
    public QuantizedLayer(int layer, int rank, int hidden, float[] gateBasis, float[] upBasis, float[] downBasis,
                          BasisStorage storage, FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this(layer, rank, hidden, SharedBasis.of(gateBasis, rank, hidden, storage), SharedBasis.of(upBasis, rank, hidden, storage),
                SharedBasis.of(downBasis, rank, hidden, storage), gate, up, down);
    }

    /** As above with bf16 ({@code true}) or f32 bases. */
    public QuantizedLayer(int layer, int rank, int hidden, float[] gateBasis, float[] upBasis, float[] downBasis,
                          boolean basisBf16, FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this(layer, rank, hidden, gateBasis, upBasis, downBasis, basisBf16 ? BasisStorage.BF16 : BasisStorage.F32, gate, up, down);
    }

    public BasisStorage basis() {
        return gateBasis.storage();
    }

    /** The same layer with its bases re-stored as {@code storage} (from their current values; int8 → others dequantizes). */
    public QuantizedLayer withBasis(BasisStorage storage) {
        if (storage == basis()) return this;
        return new QuantizedLayer(layer, rank, hidden, gateBasis.values(), upBasis.values(), downBasis.values(), storage, gate, up, down);
    }

    /**
     * The runtime block, with the router and any shared expert taken from {@code source}. It holds only the
     * basis rows of live directions ({@link FactorizedExperts#liveDirections}): gate and up stacked into one
     * projection, down restricted to its live columns.
     */
    public FactorizedMoeLayer block(MoeWeights source) {
        InputProjection input = InputProjection.stacked(gateBasis, gate.liveDirections(), upBasis, up.liveDirections());
        int[] downLive = down.liveDirections();
        BasisOp downOp = downLive.length == rank ? downBasis.expansion("down_basis")
                : downLive.length == 0 ? BasisOp.zero(rank, hidden)
                : BasisOp.onColumns(downBasis.select(downLive).expansion("down_basis"), downLive, rank);
        return new FactorizedMoeLayer(source, input, downOp, gate, up, down);
    }

    /** Stored bits of the bases (int8: with their group scales). */
    public long basisBits() {
        return gateBasis.bits() + upBasis.bits() + downBasis.bits();
    }
}
