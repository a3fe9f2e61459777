package org.moelab.runtime;

import org.moelab.compute.MatMul;
import org.moelab.model.MoeWeights;

/**
 * The MoE router: logits {@code (n, E) = x · Wᵣᵀ}, softmax over all E in double, the K largest (ties:
 * lower index), renormalised to sum 1 when the family says so (Mixtral's softmax over the top-K logits
 * is the same thing). Shared by every MoE block implementation, FP or quantized.
 */
public final class Router {

    private final MoeWeights w;
    private final int experts;
    private final int topK;
    private final int hidden;

    public Router(MoeWeights w) {
        this.w = w;
        this.experts = w.expertCount();
        this.topK = w.topK();
        this.hidden = w.router().cols();
    }

    /** Routing decisions for n tokens: experts (n, K) and weights g (n, K), highest weight first. */
    public record Decisions(int n, int k, int[] experts, float[] weights) {
    }

    public Decisions route(float[] x, int n) {
        float[] logits = new float[n * experts];
        MatMul.matmul(w.router(), x, n, logits);
        int[] sel = new int[n * topK];
        float[] g = new float[n * topK];
        double[] p = new double[experts];
        for (int t = 0; t < n; t++) select(logits, t * experts, p, sel, g, t * topK);
        return new Decisions(n, topK, sel, g);
    }

    private void select(float[] logits, int off, double[] p, int[] sel, float[] g, int out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < experts; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < experts; i++) {
            p[i] = Math.exp(logits[off + i] - max);
            sum += p[i];
        }
        long taken = 0; // bit set is enough up to 64 experts; larger E uses the array below
        boolean[] takenArr = experts > 64 ? new boolean[experts] : null;
        double picked = 0;
        for (int j = 0; j < topK; j++) {
            int best = -1;
            for (int i = 0; i < experts; i++) {
                boolean used = takenArr != null ? takenArr[i] : (taken & (1L << i)) != 0;
                if (!used && (best < 0 || p[i] > p[best])) best = i;
            }
            if (takenArr != null) takenArr[best] = true;
            else taken |= 1L << best;
            sel[out + j] = best;
            g[out + j] = (float) (p[best] / sum);
            picked += p[best] / sum;
        }
        if (w.normTopK()) {
            for (int j = 0; j < topK; j++) g[out + j] = (float) (g[out + j] / picked);
        }
    }

    public int hidden() {
        return hidden;
    }

    public int experts() {
        return experts;
    }

    /** Reports every token's decision to the observer (in token order). */
    public void report(Decisions d, float[] x, int layer, RoutingObserver observer) {
        if (observer == null) return;
        float[] row = new float[hidden];
        for (int t = 0; t < d.n(); t++) {
            System.arraycopy(x, t * hidden, row, 0, hidden);
            int[] e = java.util.Arrays.copyOfRange(d.experts(), t * d.k(), (t + 1) * d.k());
            float[] g = java.util.Arrays.copyOfRange(d.weights(), t * d.k(), (t + 1) * d.k());
            observer.onToken(layer, row, e, g);
        }
    }
}
