package org.moelab.bitsmoe.calibration;

import org.moelab.Progress;
import org.moelab.compute.MatMul;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.RoutingObserver;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BitsMoE calibration (methods.md §1.3): runs the unquantized model over the calibration set and
 * records, per MoE layer and expert, routed token counts, routing weights, the input energy along each
 * shared gate/up direction and the diagonal second moment of the expert intermediate activations.
 * One sequence at a time: memory is the per-layer statistics plus one sequence's hidden states.
 */
public final class Calibration {

    /**
     * The shared input-side bases of one layer, transposed for projection: {@code h = Vᵀ x}.
     *
     * @param gateBasisT (r, H) row k = gate direction v_k
     * @param upBasisT   (r, H) row k = up direction v_k
     */
    public record LayerBases(int layer, int rank, float[] gateBasisT, float[] upBasisT) {
    }

    private Calibration() {
    }

    /** Statistics for every MoE layer that has bases, keyed by layer. */
    public static Map<Integer, LayerStatistics> run(MoeModel model, CalibrationSet set, List<LayerBases> bases, Progress progress) {
        return run(model, set, bases, Map.of(), progress);
    }

    /**
     * As {@link #run(MoeModel, CalibrationSet, List, Progress)}, but for the experts named in
     * {@code allTokenExperts} (layer → experts) the energies are gathered over <em>every</em> token of the layer,
     * for statistics only (routing itself is unchanged), each weighted by g = 1; token counts stay the routed
     * ones. The coverage policy {@code ROUTE_ALL} uses this for experts calibration left (nearly) empty.
     */
    public static Map<Integer, LayerStatistics> run(MoeModel model, CalibrationSet set, List<LayerBases> bases,
                                                    Map<Integer, java.util.Set<Integer>> allTokenExperts, Progress progress) {
        int h = model.config().hidden();
        int inter = model.config().expertIntermediate();
        Map<Integer, LayerStatistics> stats = new TreeMap<>();
        Map<Integer, LayerBases> byLayer = new TreeMap<>();
        for (LayerBases b : bases) {
            if (!model.config().isMoeLayer(b.layer())) throw new IllegalArgumentException("layer " + b.layer() + " is not an MoE layer");
            if (b.gateBasisT().length != b.rank() * h || b.upBasisT().length != b.rank() * h) {
                throw new IllegalArgumentException("layer " + b.layer() + ": bases must be (r, H) = (" + b.rank() + ", " + h + ")");
            }
            byLayer.put(b.layer(), b);
            stats.put(b.layer(), LayerStatistics.empty(b.layer(), model.config().experts(), b.rank(), inter));
        }
        Transformer transformer = new Transformer(model);
        InferenceSession session = transformer.newSession();
        int done = 0;
        for (int[] seq : set.sequences()) {
            Recorder rec = new Recorder(byLayer.keySet(), h, model.config().topK(), model);
            session.reset();
            session.setRoutingObserver(rec);
            session.feed(seq);
            for (LayerBases b : byLayer.values()) {
                accumulate(model.layers().get(b.layer()), b, rec.of(b.layer()), stats.get(b.layer()), h, inter,
                        allTokenExperts.getOrDefault(b.layer(), java.util.Set.of()));
                model.releaseMappedPages(b.layer());
            }
            model.releaseMappedPages();   // embeddings, lm_head, norms
            progress.update("calibrate", ++done, set.sequences().length);
        }
        return stats;
    }

    /**
     * Collects the router inputs and decisions of one sequence, per layer, and releases each layer's mapped weight
     * pages once the forward pass has left it: the pass runs layer after layer, so the process holds about one
     * layer of checkpoint pages at a time, not every layer the calibration touched ({@code bench scale}).
     */
    private static final class Recorder implements RoutingObserver {
        final Map<Integer, Routed> layers = new TreeMap<>();
        final int h;
        final int k;
        final MoeModel model;

        Recorder(Iterable<Integer> wanted, int h, int k, MoeModel model) {
            this.h = h;
            this.k = k;
            this.model = model;
            wanted.forEach(l -> layers.put(l, new Routed(new ArrayList<>(), new ArrayList<>(), new ArrayList<>())));
        }

        @Override
        public void onToken(int layer, float[] input, int[] experts, float[] weights) {
            Routed r = layers.get(layer);
            if (r == null) return;
            r.inputs.add(input.clone());
            r.experts.add(experts);
            r.weights.add(weights);
        }

        @Override
        public void onLayerDone(int layer) {
            model.releaseMappedPages(layer);
        }

        Routed of(int layer) {
            return layers.get(layer);
        }
    }

    private record Routed(List<float[]> inputs, List<int[]> experts, List<float[]> weights) {
    }

    private static void accumulate(LayerWeights lw, LayerBases b, Routed r, LayerStatistics s, int h, int inter,
                                   java.util.Set<Integer> allTokens) {
        int n = r.inputs().size();
        int rank = b.rank();
        float[] x = new float[n * h];
        for (int t = 0; t < n; t++) System.arraycopy(r.inputs().get(t), 0, x, t * h, h);
        float[] hg = new float[n * rank];
        float[] hu = new float[n * rank];
        MatMul.matmul(Tensor.ofFloats("gate_basis", b.gateBasisT(), rank, h), x, n, hg);
        MatMul.matmul(Tensor.ofFloats("up_basis", b.upBasisT(), rank, h), x, n, hu);
        int e = s.experts();
        List<List<Integer>> tokensOf = new ArrayList<>();
        List<List<Float>> gOf = new ArrayList<>();
        for (int i = 0; i < e; i++) {
            tokensOf.add(new ArrayList<>());
            gOf.add(new ArrayList<>());
        }
        for (int t = 0; t < n; t++) {
            int[] ex = r.experts().get(t);
            float[] g = r.weights().get(t);
            for (int j = 0; j < ex.length; j++) {
                int id = ex[j];
                if (allTokens.contains(id)) {
                    s.tokens()[id]++;
                    s.gSum()[id] += g[j];
                    continue;
                }
                double g2 = (double) g[j] * g[j];
                s.tokens()[id]++;
                s.gSum()[id] += g[j];
                for (int kk = 0; kk < rank; kk++) {
                    double a = hg[t * rank + kk];
                    double u = hu[t * rank + kk];
                    s.gateEnergy()[id * rank + kk] += g2 * a * a;
                    s.upEnergy()[id * rank + kk] += g2 * u * u;
                }
                tokensOf.get(id).add(t);
                gOf.get(id).add(g[j]);
            }
        }
        for (int id : allTokens) { // statistics only: every token of the layer, g = 1
            for (int t = 0; t < n; t++) {
                for (int kk = 0; kk < rank; kk++) {
                    double a = hg[t * rank + kk];
                    double u = hu[t * rank + kk];
                    s.gateEnergy()[id * rank + kk] += a * a;
                    s.upEnergy()[id * rank + kk] += u * u;
                }
                tokensOf.get(id).add(t);
                gOf.get(id).add(1f);
            }
        }
        for (int id = 0; id < e; id++) {
            int c = tokensOf.get(id).size();
            if (c == 0) continue;
            float[] xs = new float[c * h];
            for (int j = 0; j < c; j++) System.arraycopy(x, tokensOf.get(id).get(j) * h, xs, j * h, h);
            float[] z = intermediate(lw.moe().experts().get(id), xs, c, inter);
            for (int j = 0; j < c; j++) {
                double g2 = (double) gOf.get(id).get(j) * gOf.get(id).get(j);
                for (int i = 0; i < inter; i++) {
                    double v = z[j * inter + i];
                    s.downDiag()[id * inter + i] += g2 * v * v;
                }
            }
        }
    }

    /** z (c, I) = silu(W_g x) ⊙ (W_u x) for c tokens. */
    static float[] intermediate(ExpertWeights w, float[] xs, int c, int inter) {
        float[] g = new float[c * inter];
        float[] u = new float[c * inter];
        MatMul.matmul(w.gate(), xs, c, g);
        MatMul.matmul(w.up(), xs, c, u);
        for (int i = 0; i < g.length; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
        return g;
    }
}
