package org.moelab.runtime;

import org.moelab.compute.MatMul;
import org.moelab.compute.Parallel;
import org.moelab.model.MoeWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Router softmax → top-K → optional renormalisation → weighted sum of the selected experts, plus the
 * shared expert (sigmoid-gated where the family has a gate). Tokens are grouped per expert so each
 * expert's weights are read once per batch.
 */
public final class MoeBlock {

    private final MoeWeights w;
    private final List<ExpertFfn> experts;
    private final ExpertFfn shared;
    private final float[] sharedGate; // (H) or null
    private final int hidden;

    public MoeBlock(MoeWeights w, List<ExpertFfn> experts) {
        this.w = w;
        this.experts = List.copyOf(experts);
        this.shared = w.shared() == null ? null : new DenseExpert(w.shared());
        this.sharedGate = w.sharedGate() == null ? null : w.sharedGate().toFloatArray();
        this.hidden = w.router().cols();
    }

    public static MoeBlock dense(MoeWeights w) {
        List<ExpertFfn> list = new ArrayList<>();
        w.experts().forEach(e -> list.add(new DenseExpert(e)));
        return new MoeBlock(w, list);
    }

    public MoeWeights weights() {
        return w;
    }

    /** {@code y (n, H) = MoE(x (n, H))}; y is overwritten. */
    public void forward(float[] x, int n, float[] y, int layer, RoutingObserver observer) {
        int e = experts.size();
        int k = w.topK();
        float[] logits = new float[n * e];
        MatMul.matmul(w.router(), x, n, logits);
        int[][] tokensOf = new int[e][n];
        float[][] weightOf = new float[e][n];
        int[] count = new int[e];
        int[] sel = new int[k];
        float[] g = new float[k];
        float[] row = observer == null ? null : new float[hidden];
        for (int t = 0; t < n; t++) {
            route(logits, t * e, e, k, sel, g);
            for (int j = 0; j < k; j++) {
                int ex = sel[j];
                tokensOf[ex][count[ex]] = t;
                weightOf[ex][count[ex]++] = g[j];
            }
            if (observer != null) {
                System.arraycopy(x, t * hidden, row, 0, hidden);
                observer.onToken(layer, row, sel.clone(), g.clone());
            }
        }
        Arrays.fill(y, 0, n * hidden, 0f);
        int[] active = java.util.stream.IntStream.range(0, e).filter(i -> count[i] > 0).toArray();
        float[][] outs = new float[active.length][];
        long work = 0;
        for (int a : active) work += experts.get(a).macsPerToken() * count[a];
        // Experts run side by side; each expert's own matmuls then stay on its thread.
        Parallel.forRange(active.length, work, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ex = active[i];
                int c = count[ex];
                float[] xs = new float[c * hidden];
                for (int j = 0; j < c; j++) System.arraycopy(x, tokensOf[ex][j] * hidden, xs, j * hidden, hidden);
                outs[i] = new float[c * hidden];
                experts.get(ex).forward(xs, c, outs[i]);
            }
        });
        for (int i = 0; i < active.length; i++) {
            int ex = active[i];
            for (int j = 0; j < count[ex]; j++) {
                org.moelab.compute.VectorDot.axpy(weightOf[ex][j], outs[i], j * hidden, y, tokensOf[ex][j] * hidden, hidden);
            }
        }
        if (shared != null) addShared(x, n, y);
    }

    private void addShared(float[] x, int n, float[] y) {
        float[] s = new float[n * hidden];
        shared.forward(x, n, s);
        for (int t = 0; t < n; t++) {
            float gate = 1f;
            if (sharedGate != null) {
                float z = org.moelab.compute.VectorDot.dot(sharedGate, 0, x, t * hidden, hidden);
                gate = (float) (1.0 / (1.0 + Math.exp(-z)));
            }
            org.moelab.compute.VectorDot.axpy(gate, s, t * hidden, y, t * hidden, hidden);
        }
    }

    /** Softmax over all E logits, the K largest (ties: lower index), renormalised if configured. */
    void route(float[] logits, int off, int e, int k, int[] sel, float[] g) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < e; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        double[] p = new double[e];
        for (int i = 0; i < e; i++) {
            p[i] = Math.exp(logits[off + i] - max);
            sum += p[i];
        }
        boolean[] taken = new boolean[e];
        double picked = 0;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < e; i++) {
                if (!taken[i] && (best < 0 || p[i] > p[best])) best = i;
            }
            taken[best] = true;
            sel[j] = best;
            g[j] = (float) (p[best] / sum);
            picked += p[best] / sum;
        }
        if (w.normTopK()) {
            for (int j = 0; j < k; j++) g[j] = (float) (g[j] / picked);
        }
    }
}
