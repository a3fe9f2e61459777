package org.moelab.runtime;

import org.moelab.compute.Parallel;
import org.moelab.compute.VectorDot;

/**
 * Causal grouped-query attention of T new queries (at positions start..start+T-1) over the cache.
 * Query head h reads kv head {@code h / (heads / kvHeads)}; scores scaled by 1/sqrt(D); softmax in float
 * with the max subtracted.
 */
final class Attention {

    private Attention() {
    }

    /**
     * @param q    (T, heads·D) rotated queries
     * @param keys (capacity, kvHeads·D) cache, filled up to start+T
     * @param out  (T, heads·D)
     */
    static void causal(float[] q, int t, int start, float[] keys, float[] values,
                       int heads, int kvHeads, int d, float[] out) {
        int qDim = heads * d;
        int kvDim = kvHeads * d;
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(d));
        long work = (long) t * heads * (start + t) * d * 2;
        Parallel.forRange(t * heads, work, (from, to) -> {
            float[] scores = new float[start + t];
            for (int job = from; job < to; job++) {
                int i = job / heads;
                int h = job % heads;
                int kvh = h / group;
                int len = start + i + 1;
                int qOff = i * qDim + h * d;
                float max = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < len; p++) {
                    float s = VectorDot.dot(q, qOff, keys, p * kvDim + kvh * d, d) * scale;
                    scores[p] = s;
                    if (s > max) max = s;
                }
                float sum = 0;
                for (int p = 0; p < len; p++) {
                    scores[p] = (float) Math.exp(scores[p] - max);
                    sum += scores[p];
                }
                float inv = 1f / sum;
                java.util.Arrays.fill(out, qOff, qOff + d, 0f);
                for (int p = 0; p < len; p++) {
                    VectorDot.axpy(scores[p] * inv, values, p * kvDim + kvh * d, out, qOff, d);
                }
            }
        });
    }
}
