package org.moelab.baselines.routernorm;

import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

/**
 * Ablation of router-norm mixed precision ("Efficient Quantization of Mixture-of-Experts with
 * Theoretical Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4): the
 * frequency-based heuristic the paper compares against, experts ranked by how many calibration tokens
 * the unquantized model routes to them (most frequent first → most bits). Unlike the router-norm score
 * it needs a calibration pass.
 */
public final class FrequencyRanking {

    private FrequencyRanking() {
    }

    /**
     * Routed-token counts (L) × (E) of the unquantized model on the calibration set (each token counts
     * once for each of its K experts); null rows for dense layers.
     */
    public static long[][] routedTokens(MoeModel model, CalibrationSet set) {
        int layers = model.layers().size();
        long[][] counts = new long[layers][];
        for (int l = 0; l < layers; l++) {
            if (model.layers().get(l).isMoe()) counts[l] = new long[model.layers().get(l).moe().expertCount()];
        }
        InferenceSession s = new Transformer(model).newSession();
        s.setRoutingObserver((l, x, experts, weights) -> {
            for (int e : experts) counts[l][e]++;
        });
        for (int[] seq : set.sequences()) {
            s.reset();
            s.feed(seq);
        }
        return counts;
    }

    /** (E) counts of one layer → experts by descending count (ties by id). */
    public static ExpertRanking of(long[] counts) {
        double[] s = new double[counts.length];
        for (int e = 0; e < s.length; e++) s[e] = counts[e];
        return new ExpertRanking("frequency", s, ExpertRanking.descending(s));
    }
}
