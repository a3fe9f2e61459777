package org.moelab.bitsmoe.calibration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How well calibration covered the experts, shown before anything is quantized: routed tokens per
 * (layer, expert), the experts below the threshold, and the policy that will handle them. Nothing about
 * a thinly calibrated expert is silent.
 *
 * @param tokens    (L_moe, E) routed tokens, rows in {@code layers} order
 * @param threshold experts with fewer routed tokens are flagged
 */
public record CalibrationCoverage(List<Integer> layers, long[][] tokens, long threshold, List<Flag> flagged, Policy policy) {

    /** What happens to a flagged expert. */
    public enum Policy {
        /** Its energies are raised to a fraction of the layer mean (the cost model's floor). Default. */
        FLOOR,
        /** Refuse to go on: calibrate on more data. */
        MORE_DATA,
        /**
         * Gather the flagged experts' statistics over every calibration token of their layer (as if all tokens
         * were routed to them, g = 1, statistics only), scaled to the layer's mean routed g²; the floor still applies.
         */
        ROUTE_ALL
    }

    public record Flag(int layer, int expert, long tokens) {
    }

    /**
     * @param minFraction an expert is flagged below this fraction of a uniform share of the layer's
     *                    routed tokens (routed / E), e.g. 0.05
     */
    public static CalibrationCoverage of(Map<Integer, LayerStatistics> stats, double minFraction, Policy policy) {
        List<Integer> layers = new ArrayList<>(stats.keySet());
        long[][] tokens = new long[layers.size()][];
        List<Flag> flags = new ArrayList<>();
        long threshold = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerStatistics s = stats.get(layers.get(i));
            tokens[i] = s.tokens().clone();
            long t = (long) Math.ceil(minFraction * s.totalRouted() / s.experts());
            threshold = Math.max(threshold, t);
            for (int e = 0; e < s.experts(); e++) {
                if (s.tokens()[e] < t) flags.add(new Flag(s.layer(), e, s.tokens()[e]));
            }
        }
        return new CalibrationCoverage(layers, tokens, threshold, List.copyOf(flags), policy);
    }

    /** Throws when the policy is MORE_DATA and an expert is under-covered. */
    public void enforce() {
        if (policy == Policy.MORE_DATA && !flagged.isEmpty()) {
            throw new IllegalArgumentException(flagged.size() + " experts received fewer than " + threshold
                    + " calibration tokens (first: layer " + flagged.getFirst().layer() + " expert " + flagged.getFirst().expert()
                    + " with " + flagged.getFirst().tokens() + "); calibrate on more sequences or use the floor policy");
        }
    }
}
