package org.moelab.baselines.routernorm;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The order in which the experts of one MoE layer receive bits (router-norm mixed precision, "Efficient
 * Quantization of Mixture-of-Experts with Theoretical Generalization Guarantees", Chowdhury et al.,
 * ICLR 2026; methods.md §4): {@code order[0]} is the expert that gets the most bits.
 *
 * @param criterion what ranked the experts (router-norm, MaxVar, frequency, random), for reports
 * @param scores    (E) the per-expert score the order was derived from (before any MaxVar adjustment)
 * @param order     (E) expert ids, most bits first; a permutation of 0..E−1
 */
public record ExpertRanking(String criterion, double[] scores, int[] order) {

    public ExpertRanking {
        if (scores.length != order.length) {
            throw new IllegalArgumentException("scores (" + scores.length + ") and order (" + order.length + ") differ in length");
        }
        boolean[] seen = new boolean[order.length];
        for (int e : order) {
            if (e < 0 || e >= order.length || seen[e]) throw new IllegalArgumentException("order is not a permutation: " + Arrays.toString(order));
            seen[e] = true;
        }
    }

    public int experts() {
        return order.length;
    }

    /** The same scores with another order (the MaxVar pass rearranges, the scores stay). */
    public ExpertRanking withOrder(String criterion, int[] newOrder) {
        return new ExpertRanking(criterion, scores, newOrder);
    }

    /** Expert ids by ascending score (smallest first), ties by expert id. */
    public static int[] ascending(double[] scores) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(e -> scores[e]).thenComparingInt(e -> e))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Expert ids by descending score (largest first), ties by expert id. */
    public static int[] descending(double[] scores) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(e -> -scores[e]).thenComparingInt(e -> e))
                .mapToInt(Integer::intValue).toArray();
    }
}
