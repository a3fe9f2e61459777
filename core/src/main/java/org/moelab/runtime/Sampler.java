package org.moelab.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Greedy, temperature and top-p (nucleus) sampling over a logits vector, seeded. */
public final class Sampler {

    private final SamplingOptions options;
    private final SplittableRandom random;

    public Sampler(SamplingOptions options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    public static int argmax(float[] logits, int off, int len) {
        int best = 0;
        for (int i = 1; i < len; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    public int next(float[] logits) {
        if (options.isGreedy()) return argmax(logits, 0, logits.length);
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[i] - max) / options.temperature());
            sum += p[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        // Smallest prefix (by probability) whose mass reaches top-p; at least one token.
        int keep = 0;
        double mass = 0;
        while (keep < n && (keep == 0 || mass < options.topP() * sum)) mass += p[order[keep++]];
        double r = random.nextDouble() * mass;
        for (int i = 0; i < keep; i++) {
            r -= p[order[i]];
            if (r < 0) return order[i];
        }
        return order[keep - 1];
    }
}
