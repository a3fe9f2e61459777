package org.moelab.mobie;

import org.moelab.compute.VectorDot;
import org.moelab.runtime.ExpertFfn;

/**
 * A MoBiE expert run from its packed storage (mobie.md §2, inference): every projection is a binary
 * matvec ({@link PackedBinaryMatrix#matvec}) and, under CEJD, a small dense product with the shared
 * 8-bit backbone: {@code B·(V̂ᵀ x)} with the backbone on the output side, {@code Ũ·(B x)} on the input
 * side. Equal to the dequantized expert up to float rounding (the order of the products differs).
 */
public final class BinaryExpert implements ExpertFfn {

    /**
     * One projection W ≈ factor (no CEJD), B·factor (OUTPUT) or factor·B (INPUT).
     *
     * @param backbone the shared (k, k) 8-bit backbone, or null without CEJD
     */
    public record Projection(PackedBinaryMatrix factor, Cejd.Side side, Cejd.Backbone backbone) {

        public Projection {
            if ((backbone == null) != (side == null) || side == Cejd.Side.AUTO) {
                throw new IllegalArgumentException("a projection has a backbone exactly when it has a side (OUTPUT or INPUT)");
            }
            if (backbone != null && backbone.order() != (side == Cejd.Side.OUTPUT ? factor.rows() : factor.cols())) {
                throw new IllegalArgumentException("backbone of order " + backbone.order() + " does not fit a ("
                        + factor.rows() + ", " + factor.cols() + ") factor on the " + side + " side");
            }
        }

        /** Output dimension: the factor's rows on either side (the backbone is square). */
        public int rows() {
            return factor.rows();
        }

        public int cols() {
            return factor.cols();
        }

        /** y (rows) = W x (cols); tmp holds max(rows, cols). */
        void apply(float[] x, int xOff, float[] y, int yOff, float[] tmp) {
            if (backbone == null) {
                factor.matvec(x, xOff, y, yOff);
            } else if (side == Cejd.Side.OUTPUT) {
                float[] backbone = this.backbone.weights();
                int k = factor.rows();
                factor.matvec(x, xOff, tmp, 0);
                for (int i = 0; i < k; i++) y[yOff + i] = VectorDot.dot(backbone, i * k, tmp, 0, k);
            } else {
                float[] backbone = this.backbone.weights();
                int k = factor.cols();
                for (int i = 0; i < k; i++) tmp[i] = VectorDot.dot(backbone, i * k, x, xOff, k);
                factor.matvec(tmp, 0, y, yOff);
            }
        }
    }

    private final Projection gate; // (I, H)
    private final Projection up;   // (I, H)
    private final Projection down; // (H, I)

    public BinaryExpert(Projection gate, Projection up, Projection down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    /** {gate (I, H), up (I, H), down (H, I)} as stored. */
    public Projection[] projections() {
        return new Projection[] {gate, up, down};
    }

    @Override
    public void forward(float[] x, int n, float[] y) {
        int inter = gate.rows(), hidden = down.rows();
        float[] g = new float[inter], u = new float[inter];
        float[] tmp = new float[Math.max(inter, hidden)];
        for (int t = 0; t < n; t++) {
            gate.apply(x, t * hidden, g, 0, tmp);
            up.apply(x, t * hidden, u, 0, tmp);
            for (int i = 0; i < inter; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
            down.apply(g, 0, y, t * hidden, tmp);
        }
    }

    @Override
    public long macsPerToken() {
        return 3L * gate.rows() * down.rows();
    }
}
