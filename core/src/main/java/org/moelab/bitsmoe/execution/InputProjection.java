package org.moelab.bitsmoe.execution;

import java.util.Arrays;

/**
 * The input side of a factorized MoE layer, once per token (methods.md §1.5): {@code h_g = V_g x} and
 * {@code h_u = V_u x}, each (n, r) with rows = tokens.
 *
 * <p>{@link #stacked} is the form the layer runs: only the <em>live</em> rows of both bases (directions some
 * expert stores; {@link FactorizedExperts#liveDirections}) stacked into one (r_g' + r_u', H) matrix, applied in
 * one pass over x (one parallel call instead of two), and scattered back to their directions. Entries of dead
 * directions are set to 0; nothing reads them, because every expert dropped that component. {@link #separate}
 * runs two given ops as they are.
 */
public final class InputProjection {

    private final BasisOp stacked; // (r_g' + r_u', H); null in the separate form
    private final BasisOp gate;
    private final BasisOp up;
    private final int[] gateLive;
    private final int[] upLive;
    private final int gateRank;
    private final int upRank;
    private final ThreadLocal<float[]> rows;

    private InputProjection(BasisOp stacked, BasisOp gate, BasisOp up, int[] gateLive, int gateRank, int[] upLive, int upRank) {
        this.stacked = stacked;
        this.gate = gate;
        this.up = up;
        this.gateLive = gateLive;
        this.upLive = upLive;
        this.gateRank = gateRank;
        this.upRank = upRank;
        int live = gateLive.length + upLive.length;
        this.rows = ThreadLocal.withInitial(() -> new float[live]);
    }

    /** Two full-rank ops, run one after the other (every direction live). */
    public static InputProjection separate(BasisOp gate, BasisOp up) {
        return new InputProjection(null, gate, up, identity(gate.out()), gate.out(), identity(up.out()), up.out());
    }

    /**
     * Rows {@code gateLive} of the gate basis and {@code upLive} of the up basis (both (r, H), same storage),
     * stacked and run as one op.
     */
    public static InputProjection stacked(SharedBasis gateBasis, int[] gateLive, SharedBasis upBasis, int[] upLive) {
        BasisOp.checkLive(gateLive, gateBasis.rank(), "gate");
        BasisOp.checkLive(upLive, upBasis.rank(), "up");
        BasisOp op = gateLive.length + upLive.length == 0 ? BasisOp.zero(gateBasis.hidden(), 0)
                : SharedBasis.concat(gateBasis.select(gateLive), upBasis.select(upLive)).projection("gate_up_basis");
        return new InputProjection(op, null, null, gateLive.clone(), gateBasis.rank(), upLive.clone(), upBasis.rank());
    }

    public int in() {
        return stacked != null ? stacked.in() : gate.in();
    }

    public int gateRank() {
        return gateRank;
    }

    public int upRank() {
        return upRank;
    }

    /** Whether h_g[k] (gate) or h_u[k] is computed. */
    public boolean computes(boolean gateSide, int k) {
        return Arrays.binarySearch(gateSide ? gateLive : upLive, k) >= 0;
    }

    /** Bytes of basis read per token. */
    public long bytes() {
        return stacked != null ? stacked.bytes() : gate.bytes() + up.bytes();
    }

    /** hg (n, r_g) = V_g x, hu (n, r_u) = V_u x for x (n, H); both overwritten. */
    public void apply(float[] x, int n, float[] hg, float[] hu) {
        if (stacked == null) {
            gate.apply(x, n, hg);
            up.apply(x, n, hu);
            return;
        }
        float[] h = n == 1 ? rows.get() : new float[n * (gateLive.length + upLive.length)];
        stacked.apply(x, n, h);
        scatter(h, n, hg, hu);
    }

    /** {@link #apply}'s scalar reference. */
    public void applyReference(float[] x, int n, float[] hg, float[] hu) {
        if (stacked == null) {
            gate.applyReference(x, n, hg);
            up.applyReference(x, n, hu);
            return;
        }
        float[] h = new float[n * (gateLive.length + upLive.length)];
        stacked.applyReference(x, n, h);
        scatter(h, n, hg, hu);
    }

    private void scatter(float[] h, int n, float[] hg, float[] hu) {
        int gl = gateLive.length;
        int live = gl + upLive.length;
        Arrays.fill(hg, 0, n * gateRank, 0f);
        Arrays.fill(hu, 0, n * upRank, 0f);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < gl; j++) hg[t * gateRank + gateLive[j]] = h[t * live + j];
            for (int j = 0; j < upLive.length; j++) hu[t * upRank + upLive[j]] = h[t * live + gl + j];
        }
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }
}
