package org.moelab.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.moelab.compute.Parallel;
import org.moelab.compute.VectorDot;

/**
 * Causal grouped-query attention of T new queries (at positions start..start+T-1) over the cache.
 * Query head h reads kv head {@code h / (heads / kvHeads)}; scores scaled by 1/sqrt(D); softmax with
 * the max subtracted. Keys are cached transposed, {@code (kvHeads, D, capacity)}, so the scores of all
 * positions come from D axpy passes with no per-position horizontal sum; values are {@code (capacity, kvHeads·D)}.
 */
final class Attention {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Attention() {
    }

    /** Writes T new keys (T, kvHeads·D) into the transposed cache at positions start.. */
    static void storeKeys(float[] k, int t, int start, float[] keysT, int kvDim, int capacity) {
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < kvDim; j++) keysT[j * capacity + start + i] = k[i * kvDim + j];
        }
    }

    /**
     * @param q     (T, heads·D) rotated queries
     * @param keysT (kvHeads·D, capacity) transposed key cache, filled up to start+T
     * @param values (capacity, kvHeads·D) value cache
     * @param out   (T, heads·D)
     */
    static void causal(float[] q, int t, int start, float[] keysT, float[] values, int capacity,
                       int heads, int kvHeads, int d, float[] out) {
        int qDim = heads * d;
        int kvDim = kvHeads * d;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(d));
        long work = (long) t * heads * (start + t) * d * 2;
        Parallel.forRange(t * heads, work, (from, to) -> {
            float[] scores = new float[start + t + F.length()];
            for (int job = from; job < to; job++) {
                int i = job / heads;
                int h = job % heads;
                int kvh = h / group;
                int len = start + i + 1;
                int qOff = i * qDim + h * d;
                java.util.Arrays.fill(scores, 0, len, 0f);
                for (int j = 0; j < d; j++) {
                    VectorDot.axpy(q[qOff + j] * scale, keysT, (kvh * d + j) * capacity, scores, 0, len);
                }
                float inv = 1f / softmaxInPlace(scores, len);
                java.util.Arrays.fill(out, qOff, qOff + d, 0f);
                for (int p = 0; p < len; p++) {
                    VectorDot.axpy(scores[p] * inv, values, p * kvDim + kvh * d, out, qOff, d);
                }
            }
        });
    }

    /**
     * exp(s − max) in place over [0, len); returns the sum. The exponentials are scalar {@code Math.exp}: the Vector
     * API's lanewise EXP gives other bits once C2 intrinsifies it than its Java fallback does before, which made the
     * same forward pass differ between the first and later calls of a run (and calibration between runs).
     */
    static float softmaxInPlace(float[] s, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < len; p++) max = Math.max(max, s[p]);
        for (int p = 0; p < len; p++) s[p] = (float) Math.exp(s[p] - max);
        FloatVector acc = FloatVector.zero(F);
        int p = 0;
        for (; p + F.length() <= len; p += F.length()) acc = acc.add(FloatVector.fromArray(F, s, p));
        float sum = org.moelab.compute.LaneSum.of(acc);
        for (; p < len; p++) sum += s[p];
        return sum;
    }
}
