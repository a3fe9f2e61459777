package org.moelab.runtime;

import org.moelab.compute.MatMul;
import org.moelab.compute.VectorDot;
import org.moelab.model.AttentionWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;
import org.moelab.model.MoeModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoder forward pass over a batch of T consecutive tokens: embedding, per layer pre-norm GQA
 * attention (optional qkv bias and q/k norm, RoPE, KV cache) and pre-norm MoE (or dense) feed-forward,
 * final norm, lm_head. Weights stay in place in the checkpoint; only norms and biases are copied.
 * Immutable and shareable; the per-sequence state lives in {@link InferenceSession}.
 */
public final class Transformer {

    private final MoeModel model;
    private final ModelConfig c;
    private final Rope rope;
    private final List<MoeLayer> moe = new ArrayList<>();
    private final List<ExpertFfn> dense = new ArrayList<>();
    private final float[][] inNorm;
    private final float[][] postNorm;
    private final float[][] qNorm;
    private final float[][] kNorm;
    private final float[][] qBias;
    private final float[][] kBias;
    private final float[][] vBias;
    private final float[] finalNorm;

    public Transformer(MoeModel model) {
        this(model, null);
    }

    /** With {@code blocks} (one per layer, null for dense layers) replacing the model's own MoE blocks; null keeps them. */
    public Transformer(MoeModel model, List<? extends MoeLayer> blocks) {
        this.model = model;
        this.c = model.config();
        this.rope = new Rope(c.headDim(), c.ropeTheta(), c.maxPositions());
        int n = c.layers();
        inNorm = new float[n][];
        postNorm = new float[n][];
        qNorm = new float[n][];
        kNorm = new float[n][];
        qBias = new float[n][];
        kBias = new float[n][];
        vBias = new float[n][];
        for (int l = 0; l < n; l++) {
            LayerWeights lw = model.layers().get(l);
            AttentionWeights a = lw.attention();
            inNorm[l] = lw.inputNorm().toFloatArray();
            postNorm[l] = lw.postAttentionNorm().toFloatArray();
            qNorm[l] = a.qNorm() == null ? null : a.qNorm().toFloatArray();
            kNorm[l] = a.kNorm() == null ? null : a.kNorm().toFloatArray();
            qBias[l] = a.qBias() == null ? null : a.qBias().toFloatArray();
            kBias[l] = a.kBias() == null ? null : a.kBias().toFloatArray();
            vBias[l] = a.vBias() == null ? null : a.vBias().toFloatArray();
            moe.add(lw.isMoe() ? (blocks != null ? blocks.get(l) : MoeBlock.dense(lw.moe())) : null);
            dense.add(lw.isMoe() ? null : new DenseExpert(lw.dense()));
        }
        finalNorm = model.finalNorm().toFloatArray();
    }

    public MoeModel model() {
        return model;
    }

    public ModelConfig config() {
        return c;
    }

    public int maxPositions() {
        return rope.maxPositions();
    }

    public InferenceSession newSession() {
        return new InferenceSession(this, maxPositions());
    }

    /**
     * Runs tokens at positions [start, start+T) through the model, filling the cache.
     *
     * @param allLogits logits for every position (T, vocab) rather than only the last (vocab)
     */
    float[] forward(KvCache cache, int[] tokens, int start, boolean allLogits, RoutingObserver observer) {
        int t = tokens.length;
        int h = c.hidden();
        float[] x = new float[t * h];
        for (int i = 0; i < t; i++) {
            int id = tokens[i];
            if (id < 0 || id >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + c.vocabSize() + ")");
            }
            VectorDot.toFloats(model.embedding(), (long) id * h, x, i * h, h);
        }
        float[] xn = new float[t * h];
        float[] ff = new float[t * h];
        for (int l = 0; l < c.layers(); l++) {
            RmsNorm.rows(x, t, h, inNorm[l], c.rmsEps(), xn);
            float[] att = attention(l, cache, xn, t, start);
            for (int i = 0; i < x.length; i++) x[i] += att[i];
            RmsNorm.rows(x, t, h, postNorm[l], c.rmsEps(), xn);
            if (moe.get(l) != null) moe.get(l).forward(xn, t, ff, l, observer);
            else dense.get(l).forward(xn, t, ff);
            for (int i = 0; i < x.length; i++) x[i] += ff[i];
            if (observer != null) observer.onLayerDone(l);
        }
        int rows = allLogits ? t : 1;
        float[] last = new float[rows * h];
        for (int r = 0; r < rows; r++) {
            RmsNorm.apply(x, (allLogits ? r : t - 1) * h, h, finalNorm, c.rmsEps(), last, r * h);
        }
        float[] logits = new float[rows * c.vocabSize()];
        MatMul.matmul(model.lmHead(), last, rows, logits);
        return logits;
    }

    private float[] attention(int l, KvCache cache, float[] xn, int t, int start) {
        AttentionWeights a = model.layers().get(l).attention();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int d = c.headDim();
        float[] q = new float[t * qDim];
        float[] k = new float[t * kvDim];
        float[] v = new float[t * kvDim];
        MatMul.matmul(a.q(), xn, t, q);
        MatMul.matmul(a.k(), xn, t, k);
        MatMul.matmul(a.v(), xn, t, v);
        for (int i = 0; i < t; i++) {
            addBias(q, i * qDim, qBias[l]);
            addBias(k, i * kvDim, kBias[l]);
            addBias(v, i * kvDim, vBias[l]);
            if (c.qkNorm() == QkNorm.PER_HEAD) {
                for (int hh = 0; hh < c.heads(); hh++) RmsNorm.apply(q, i * qDim + hh * d, d, qNorm[l], c.rmsEps(), q, i * qDim + hh * d);
                for (int hh = 0; hh < c.kvHeads(); hh++) RmsNorm.apply(k, i * kvDim + hh * d, d, kNorm[l], c.rmsEps(), k, i * kvDim + hh * d);
            } else if (c.qkNorm() == QkNorm.WHOLE_PROJECTION) {
                RmsNorm.apply(q, i * qDim, qDim, qNorm[l], c.rmsEps(), q, i * qDim);
                RmsNorm.apply(k, i * kvDim, kvDim, kNorm[l], c.rmsEps(), k, i * kvDim);
            }
            rope.apply(q, i * qDim, c.heads(), start + i);
            rope.apply(k, i * kvDim, c.kvHeads(), start + i);
        }
        Attention.storeKeys(k, t, start, cache.keys[l], kvDim, cache.capacity());
        System.arraycopy(v, 0, cache.values[l], start * kvDim, t * kvDim);
        float[] out = new float[t * qDim];
        Attention.causal(q, t, start, cache.keys[l], cache.values[l], cache.capacity(), c.heads(), c.kvHeads(), d, out);
        float[] o = new float[t * c.hidden()];
        MatMul.matmul(a.o(), out, t, o);
        return o;
    }

    private static void addBias(float[] x, int off, float[] bias) {
        if (bias == null) return;
        for (int i = 0; i < bias.length; i++) x[off + i] += bias[i];
    }
}
