package org.moelab.mobie;

import org.moelab.baselines.DequantizedExperts;
import org.moelab.model.AttentionWeights;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;
import org.moelab.tensor.Tensor;

import java.util.List;

/**
 * The weights of a {@link MoeModel} in double for the reference forward/backward ({@link RefForward},
 * {@link RefBackward}). A deliberate reference for small models: it holds the whole model at 8 bytes a
 * parameter. Records are immutable; {@link #withExperts} swaps one layer's routed experts (the quantized
 * ones during sequential calibration) and shares everything else.
 */
final class RefModel {

    /** SwiGLU weights: gate, up (I, H), down (H, I). */
    record Ffn(double[] gate, double[] up, double[] down, int inter) {
        static Ffn of(ExpertWeights w) {
            return new Ffn(d(w.gate()), d(w.up()), d(w.down()), w.intermediate());
        }
    }

    /** One decoder layer; unused parts (biases, norms, MoE or dense MLP, shared expert) are null. */
    record Layer(double[] inNorm, double[] postNorm, double[] q, double[] k, double[] v, double[] o,
                 double[] qBias, double[] kBias, double[] vBias, double[] qNorm, double[] kNorm,
                 double[] router, Ffn[] experts, int topK, boolean normTopK, Ffn shared, double[] sharedGate, Ffn dense) {

        boolean isMoe() {
            return experts != null;
        }
    }

    final ModelConfig c;
    final double[] embedding; // (V, H)
    final double[] lmHead;    // (V, H)
    final double[] finalNorm; // (H)
    final Layer[] layers;

    private RefModel(ModelConfig c, double[] embedding, double[] lmHead, double[] finalNorm, Layer[] layers) {
        this.c = c;
        this.embedding = embedding;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.layers = layers;
    }

    static RefModel of(MoeModel m) {
        ModelConfig c = m.config();
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            LayerWeights lw = m.layers().get(l);
            AttentionWeights a = lw.attention();
            Ffn[] experts = null;
            Ffn shared = null;
            double[] router = null, sharedGate = null;
            int topK = 0;
            boolean norm = false;
            if (lw.isMoe()) {
                experts = lw.moe().experts().stream().map(Ffn::of).toArray(Ffn[]::new);
                router = d(lw.moe().router());
                topK = lw.moe().topK();
                norm = lw.moe().normTopK();
                shared = lw.moe().shared() == null ? null : Ffn.of(lw.moe().shared());
                sharedGate = d(lw.moe().sharedGate());
            }
            layers[l] = new Layer(d(lw.inputNorm()), d(lw.postAttentionNorm()), d(a.q()), d(a.k()), d(a.v()), d(a.o()),
                    d(a.qBias()), d(a.kBias()), d(a.vBias()), d(a.qNorm()), d(a.kNorm()),
                    router, experts, topK, norm, shared, sharedGate, lw.isMoe() ? null : Ffn.of(lw.dense()));
        }
        double[] emb = d(m.embedding());
        double[] head = m.lmHead() == m.embedding() ? emb : d(m.lmHead());
        return new RefModel(c, emb, head, d(m.finalNorm()), layers);
    }

    /** This model with layer l's routed experts replaced (gate, up, down as in the checkpoint). */
    RefModel withExperts(int l, List<DequantizedExperts.Expert> experts) {
        Layer o = layers[l];
        Ffn[] e = new Ffn[experts.size()];
        for (int i = 0; i < e.length; i++) {
            DequantizedExperts.Expert x = experts.get(i);
            e[i] = new Ffn(Gemm.toDouble(x.gate()), Gemm.toDouble(x.up()), Gemm.toDouble(x.down()), o.experts()[i].inter());
        }
        Layer[] ls = layers.clone();
        ls[l] = new Layer(o.inNorm(), o.postNorm(), o.q(), o.k(), o.v(), o.o(), o.qBias(), o.kBias(), o.vBias(), o.qNorm(),
                o.kNorm(), o.router(), e, o.topK(), o.normTopK(), o.shared(), o.sharedGate(), o.dense());
        return new RefModel(c, embedding, lmHead, finalNorm, ls);
    }

    private static double[] d(Tensor t) {
        if (t == null) return null;
        float[] f = t.toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }
}
