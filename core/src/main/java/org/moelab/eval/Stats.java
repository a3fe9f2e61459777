package org.moelab.eval;

/** Small statistics used by the task metrics. */
public final class Stats {

    private Stats() {
    }

    /**
     * lm-eval's {@code mean_stderr}: sample standard deviation (n−1) over √n. For 0/1 outcomes with
     * mean p this is {@code sqrt(p(1−p)/(n−1))}. Null for fewer than 2 samples.
     */
    public static Double meanStderr(double[] x) {
        int n = x.length;
        if (n < 2) return null;
        double mean = 0;
        for (double v : x) mean += v;
        mean /= n;
        double ss = 0;
        for (double v : x) ss += (v - mean) * (v - mean);
        return Math.sqrt(ss / (n - 1) / n);
    }

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return x.length == 0 ? Double.NaN : s / x.length;
    }

    /** numpy's argmax: the first index of the largest value. */
    public static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Argmax over one logits row {@code [off, off+n)}, first index on ties (torch/numpy). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }
}
