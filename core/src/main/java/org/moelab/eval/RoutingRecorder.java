package org.moelab.eval;

import org.moelab.runtime.RoutingObserver;

import java.util.Arrays;

/** Records the top-K experts of every token of every layer (in token order) for one window at a time. */
public final class RoutingRecorder implements RoutingObserver {

    private final int k;
    private final int[][] selected; // [layer][token * k + j]
    private final int[] tokens;     // per layer

    public RoutingRecorder(int layers, int k, int capacity) {
        this.k = k;
        this.selected = new int[layers][capacity * k];
        this.tokens = new int[layers];
    }

    @Override
    public void onToken(int layer, float[] input, int[] experts, float[] weights) {
        if (experts.length != k) throw new IllegalStateException("layer " + layer + " routed to " + experts.length + " experts, expected " + k);
        int t = tokens[layer]++;
        System.arraycopy(experts, 0, selected[layer], t * k, k);
    }

    public void reset() {
        Arrays.fill(tokens, 0);
    }

    /** Tokens recorded for {@code layer} since the last reset (0 for dense layers). */
    public int tokens(int layer) {
        return tokens[layer];
    }

    /** {@code |experts(a, t) ∩ experts(b, t)|} for token t of a layer. */
    public static int overlap(RoutingRecorder a, RoutingRecorder b, int layer, int t) {
        int k = a.k;
        int[] x = a.selected[layer];
        int[] y = b.selected[layer];
        int common = 0;
        for (int i = 0; i < k; i++) {
            int e = x[t * k + i];
            for (int j = 0; j < k; j++) {
                if (y[t * k + j] == e) {
                    common++;
                    break;
                }
            }
        }
        return common;
    }
}
