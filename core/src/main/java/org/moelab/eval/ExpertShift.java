package org.moelab.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Expert-shift rate (mobie.md §4): {@code 1 − mean over tokens and layers of |TopK_ref ∩ TopK_cand| / K}, and
 * the same per MoE layer. Accumulates window by window from two {@link RoutingRecorder}s.
 */
public final class ExpertShift {

    /** @param rate 1 − mean overlap fraction of the layer's tokens */
    public record Layer(int layer, double rate, long tokens) {
    }

    /** @param rate over all MoE layers and tokens; {@code perLayer} one entry per MoE layer */
    public record Result(double rate, int k, long tokens, List<Layer> perLayer) {
    }

    private final int k;
    private final long[] overlap;
    private final long[] tokens;

    public ExpertShift(int layers, int k) {
        this.k = k;
        this.overlap = new long[layers];
        this.tokens = new long[layers];
    }

    /** Adds the tokens both recorders saw since their last reset; they must have seen the same number. */
    public void add(RoutingRecorder reference, RoutingRecorder candidate) {
        for (int l = 0; l < overlap.length; l++) {
            int n = reference.tokens(l);
            if (candidate.tokens(l) != n) {
                throw new IllegalStateException("layer " + l + ": reference routed " + n + " tokens, candidate " + candidate.tokens(l)
                        + " (the two models do not have the same MoE layers)");
            }
            for (int t = 0; t < n; t++) overlap[l] += RoutingRecorder.overlap(reference, candidate, l, t);
            tokens[l] += n;
        }
    }

    public Result result() {
        List<Layer> per = new ArrayList<>();
        long allOverlap = 0;
        long allSlots = 0;
        long perLayerTokens = 0;
        for (int l = 0; l < overlap.length; l++) {
            if (tokens[l] == 0) continue;
            per.add(new Layer(l, 1.0 - (double) overlap[l] / ((double) tokens[l] * k), tokens[l]));
            allOverlap += overlap[l];
            allSlots += tokens[l] * k;
            perLayerTokens = Math.max(perLayerTokens, tokens[l]);
        }
        double rate = allSlots == 0 ? 0 : 1.0 - (double) allOverlap / allSlots;
        return new Result(rate, k, perLayerTokens, per);
    }
}
