package org.moelab.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * KL divergence {@code KL(P_ref ‖ P_cand)} of the next-token distributions (softmax of the logits, in
 * double) and the share of positions whose argmax agrees, overall and per bucket of position within the
 * window. Nats.
 */
public final class NextTokenKl {

    /** Positions {@code [from, to)} of the window. */
    public record Bucket(int from, int to, long tokens, double meanKl, double sameTopPct) {
    }

    public record Result(double meanKl, double maxKl, double sameTopPct, long tokens, List<Bucket> buckets) {
    }

    /** Default bucket starts: positions 0–15, 16–63, 64–255, 256–1023, 1024+. */
    public static final int[] DEFAULT_EDGES = {0, 16, 64, 256, 1024};

    private final int vocab;
    private final int window;
    private final int[] edges;
    private final double[] kl;
    private final long[] same;
    private final long[] count;
    private double maxKl;

    /** @param window positions per window (the last bucket ends there) */
    public NextTokenKl(int vocab, int window, int[] edges) {
        if (edges.length == 0 || edges[0] != 0) throw new IllegalArgumentException("bucket edges must start at 0");
        for (int i = 1; i < edges.length; i++) {
            if (edges[i] <= edges[i - 1]) throw new IllegalArgumentException("bucket edges must increase");
        }
        this.vocab = vocab;
        this.window = window;
        this.edges = edges.clone();
        this.kl = new double[edges.length];
        this.same = new long[edges.length];
        this.count = new long[edges.length];
    }

    /** Adds {@code rows} positions: logits rows starting at {@code refOff}/{@code candOff}, the first at window position {@code pos}. */
    public void add(float[] ref, int refOff, float[] cand, int candOff, int rows, int pos) {
        for (int r = 0; r < rows; r++) {
            int a = refOff + r * vocab;
            int b = candOff + r * vocab;
            double d = divergence(ref, a, cand, b, vocab);
            int bucket = bucket(pos + r);
            kl[bucket] += d;
            maxKl = Math.max(maxKl, d);
            if (Stats.argmax(ref, a, vocab) == Stats.argmax(cand, b, vocab)) same[bucket]++;
            count[bucket]++;
        }
    }

    /** {@code Σ p (log p − log q)} for p = softmax(ref row), q = softmax(cand row); exactly 0 for equal rows. */
    public static double divergence(float[] ref, int a, float[] cand, int b, int vocab) {
        double lseP = Perplexity.logSumExp(ref, a, vocab);
        double lseQ = Perplexity.logSumExp(cand, b, vocab);
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            double lp = ref[a + v] - lseP;
            double lq = cand[b + v] - lseQ;
            sum += Math.exp(lp) * (lp - lq);
        }
        return Math.max(0, sum);
    }

    private int bucket(int pos) {
        int i = edges.length - 1;
        while (edges[i] > pos) i--;
        return i;
    }

    public Result result() {
        List<Bucket> buckets = new ArrayList<>();
        double klAll = 0;
        long sameAll = 0;
        long n = 0;
        for (int i = 0; i < edges.length; i++) {
            if (count[i] == 0) continue;
            int to = Math.min(window, i + 1 < edges.length ? edges[i + 1] : window);
            buckets.add(new Bucket(edges[i], to, count[i], kl[i] / count[i], 100.0 * same[i] / count[i]));
            klAll += kl[i];
            sameAll += same[i];
            n += count[i];
        }
        return new Result(n == 0 ? 0 : klAll / n, maxKl, n == 0 ? 100 : 100.0 * sameAll / n, n, buckets);
    }
}
