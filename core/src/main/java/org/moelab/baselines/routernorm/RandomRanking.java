package org.moelab.baselines.routernorm;

import java.util.SplittableRandom;

/**
 * Ablation of router-norm mixed precision ("Efficient Quantization of Mixture-of-Experts with
 * Theoretical Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4): a uniformly
 * random order with a fixed seed, so that the same tier counts go to random experts.
 */
public final class RandomRanking {

    private RandomRanking() {
    }

    /** A Fisher–Yates permutation of E experts from {@code seed} mixed with the layer index. */
    public static ExpertRanking of(int experts, long seed, int layer) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + layer);
        int[] order = new int[experts];
        for (int i = 0; i < experts; i++) order[i] = i;
        for (int i = experts - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[] scores = new double[experts];
        for (int r = 0; r < experts; r++) scores[order[r]] = r; // the rank itself
        return new ExpertRanking("random", scores, order);
    }
}
