package org.moelab.runtime;

import org.moelab.compute.VectorDot;
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
public final class MoeBlock implements MoeLayer {

    private final MoeWeights w;
    private final Router router;
    private final List<ExpertFfn> experts;
    private final ExpertFfn shared;
    private final float[] sharedGate; // (H) or null
    private final int hidden;

    public MoeBlock(MoeWeights w, List<ExpertFfn> experts) {
        this.w = w;
        this.router = new Router(w);
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

    @Override
    public void forward(float[] x, int n, float[] y, int layer, RoutingObserver observer) {
        int e = experts.size();
        int k = w.topK();
        Router.Decisions d = router.route(x, n);
        router.report(d, x, layer, observer);
        int[][] tokensOf = new int[e][n];
        float[][] weightOf = new float[e][n];
        int[] count = new int[e];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                int ex = d.experts()[t * k + j];
                tokensOf[ex][count[ex]] = t;
                weightOf[ex][count[ex]++] = d.weights()[t * k + j];
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
                VectorDot.axpy(weightOf[ex][j], outs[i], j * hidden, y, tokensOf[ex][j] * hidden, hidden);
            }
        }
        if (shared != null) addShared(shared, sharedGate, x, n, y, hidden);
    }

    /** Adds the (optionally sigmoid-gated) shared expert; used by every MoE layer implementation. */
    public static void addShared(ExpertFfn shared, float[] sharedGate, float[] x, int n, float[] y, int hidden) {
        float[] s = new float[n * hidden];
        shared.forward(x, n, s);
        for (int t = 0; t < n; t++) {
            float gate = 1f;
            if (sharedGate != null) {
                float z = VectorDot.dot(sharedGate, 0, x, t * hidden, hidden);
                gate = (float) (1.0 / (1.0 + Math.exp(-z)));
            }
            VectorDot.axpy(gate, s, t * hidden, y, t * hidden, hidden);
        }
    }
}
