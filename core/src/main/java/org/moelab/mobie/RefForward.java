package org.moelab.mobie;

import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;

/**
 * The decoder forward pass of {@link org.moelab.runtime.Transformer} in double on BLAS, over one sequence
 * of T tokens from position 0, keeping what {@link RefBackward} needs: embedding; per layer pre-norm GQA
 * attention (qkv bias, q/k norm, RoPE, causal softmax) and pre-norm MoE (router softmax over E, top-K by
 * probability with ties to the lower index, optional renormalisation, SwiGLU experts, optional
 * sigmoid-gated shared expert) or dense SwiGLU; final norm; lm_head. A deliberate reference: simple
 * loops around dense GEMMs, memory O(layers · (T² · heads + T · K · (H + I))) per sequence.
 */
final class RefForward {

    /** Attention sub-layer state: x1 = x + o(attention(rms(x))). Shapes use T, H, qDim, kvDim. */
    static final class AttnState {
        double[] x;        // (T, H) layer input
        double[] a;        // (T, H) normed input
        double[] aInv;     // (T)
        double[] qPre;     // (T, qDim) after projection and bias
        double[] kPre;     // (T, kvDim)
        double[] qInv;     // q-norm 1/rms per segment, or null
        double[] kInv;
        double[] qR;       // (T, qDim) normed and rotated
        double[] kR;       // (T, kvDim)
        double[] v;        // (T, kvDim)
        double[] p;        // (heads, T, T) attention probabilities
        double[] att;      // (T, qDim) attention output before o
        double[] x1;       // (T, H)
    }

    /** Feed-forward sub-layer state: out = ffn(b), b = rms(x1). */
    static final class FfnState {
        double[] b;        // (T, H)
        double[] bInv;     // (T)
        double[] probs;    // (T, E) router softmax, MoE only
        int[] sel;         // (T, K) experts
        double[] g;        // (T, K) routing weights
        int[][] slots;     // E × (c) slot ids t·K + j routed to each expert
        double[][] gt;     // E × (c, I) gate pre-activations
        double[][] ut;     // E × (c, I) up projections
        double[][] y;      // E × (c, H) expert outputs
        Swiglu shared;     // shared expert or dense MLP over all T
        double[] sharedLogit; // (T) shared-expert gate logits, or null
        double[] out;      // (T, H)
    }

    /** One SwiGLU over n rows: gt, ut (n, I), y (n, H). */
    record Swiglu(double[] gt, double[] ut, double[] y) {
    }

    /** A whole sequence: per-layer states, final norm and logits (T, V). */
    static final class Pass {
        int[] tokens;
        AttnState[] attn;
        FfnState[] ffn;
        double[] xL;      // (T, H)
        double[] f;       // (T, H)
        double[] fInv;
        double[] logits;  // (T, V)
    }

    final RefModel m;
    final ModelConfig c;
    final double[][] rope;

    RefForward(RefModel m) {
        this.m = m;
        this.c = m.c;
        this.rope = RefOps.ropeTables(c.headDim(), c.ropeTheta(), c.maxPositions());
    }

    Pass forward(int[] tokens) {
        int t = tokens.length;
        Pass p = new Pass();
        p.tokens = tokens;
        p.attn = new AttnState[c.layers()];
        p.ffn = new FfnState[c.layers()];
        double[] x = embed(tokens);
        for (int l = 0; l < c.layers(); l++) {
            p.attn[l] = attention(m.layers[l], x, t);
            p.ffn[l] = ffn(m.layers[l], p.attn[l].x1, t);
            x = add(p.attn[l].x1, p.ffn[l].out);
        }
        p.xL = x;
        p.f = new double[t * c.hidden()];
        p.fInv = RefOps.rmsNorm(x, t, c.hidden(), m.finalNorm, c.rmsEps(), p.f);
        p.logits = Gemm.linear(p.f, t, m.lmHead, c.vocabSize(), c.hidden());
        return p;
    }

    double[] embed(int[] tokens) {
        int h = c.hidden();
        double[] x = new double[tokens.length * h];
        for (int i = 0; i < tokens.length; i++) System.arraycopy(m.embedding, tokens[i] * h, x, i * h, h);
        return x;
    }

    static double[] add(double[] a, double[] b) {
        double[] o = a.clone();
        for (int i = 0; i < o.length; i++) o[i] += b[i];
        return o;
    }

    AttnState attention(RefModel.Layer L, double[] x, int t) {
        int h = c.hidden(), qDim = c.qDim(), kvDim = c.kvDim(), d = c.headDim();
        AttnState s = new AttnState();
        s.x = x;
        s.a = new double[t * h];
        s.aInv = RefOps.rmsNorm(x, t, h, L.inNorm(), c.rmsEps(), s.a);
        s.qPre = bias(Gemm.linear(s.a, t, L.q(), qDim, h), L.qBias(), t);
        s.kPre = bias(Gemm.linear(s.a, t, L.k(), kvDim, h), L.kBias(), t);
        s.v = bias(Gemm.linear(s.a, t, L.v(), kvDim, h), L.vBias(), t);
        s.qR = new double[t * qDim];
        s.kR = new double[t * kvDim];
        if (c.qkNorm() == QkNorm.PER_HEAD) {
            s.qInv = RefOps.rmsNorm(s.qPre, t * c.heads(), d, L.qNorm(), c.rmsEps(), s.qR);
            s.kInv = RefOps.rmsNorm(s.kPre, t * c.kvHeads(), d, L.kNorm(), c.rmsEps(), s.kR);
        } else if (c.qkNorm() == QkNorm.WHOLE_PROJECTION) {
            s.qInv = RefOps.rmsNorm(s.qPre, t, qDim, L.qNorm(), c.rmsEps(), s.qR);
            s.kInv = RefOps.rmsNorm(s.kPre, t, kvDim, L.kNorm(), c.rmsEps(), s.kR);
        } else {
            System.arraycopy(s.qPre, 0, s.qR, 0, s.qR.length);
            System.arraycopy(s.kPre, 0, s.kR, 0, s.kR.length);
        }
        RefOps.rope(s.qR, t, c.heads(), d, rope, false);
        RefOps.rope(s.kR, t, c.kvHeads(), d, rope, false);
        s.p = new double[c.heads() * t * t];
        s.att = new double[t * qDim];
        int group = c.heads() / c.kvHeads();
        double scale = 1 / Math.sqrt(d);
        double[] qh = new double[t * d], kh = new double[t * d], vh = new double[t * d], oh = new double[t * d];
        for (int hh = 0; hh < c.heads(); hh++) {
            int kvh = hh / group;
            slice(s.qR, t, qDim, hh * d, d, qh);
            slice(s.kR, t, kvDim, kvh * d, d, kh);
            slice(s.v, t, kvDim, kvh * d, d, vh);
            int po = hh * t * t;
            Gemm.gemm(false, true, t, t, d, scale, qh, 0, kh, 0, 0, s.p, po);
            for (int i = 0; i < t; i++) {
                int r = po + i * t;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) max = Math.max(max, s.p[r + j]);
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += s.p[r + j] = Math.exp(s.p[r + j] - max);
                for (int j = 0; j <= i; j++) s.p[r + j] /= sum;
                for (int j = i + 1; j < t; j++) s.p[r + j] = 0;
            }
            Gemm.gemm(false, false, t, d, t, 1, s.p, po, vh, 0, 0, oh, 0);
            unslice(oh, t, qDim, hh * d, d, s.att);
        }
        s.x1 = add(x, Gemm.linear(s.att, t, L.o(), h, qDim));
        return s;
    }

    FfnState ffn(RefModel.Layer L, double[] x1, int t) {
        int h = c.hidden();
        FfnState s = new FfnState();
        s.b = new double[t * h];
        s.bInv = RefOps.rmsNorm(x1, t, h, L.postNorm(), c.rmsEps(), s.b);
        if (!L.isMoe()) {
            s.shared = swiglu(L.dense(), s.b, t);
            s.out = s.shared.y().clone();
            return s;
        }
        route(L, s, t);
        int e = L.experts().length, k = L.topK();
        s.out = new double[t * h];
        s.gt = new double[e][];
        s.ut = new double[e][];
        s.y = new double[e][];
        for (int ex = 0; ex < e; ex++) {
            int[] sl = s.slots[ex];
            if (sl.length == 0) continue;
            Swiglu r = swiglu(L.experts()[ex], gather(s.b, sl, k, h), sl.length);
            s.gt[ex] = r.gt();
            s.ut[ex] = r.ut();
            s.y[ex] = r.y();
            for (int i = 0; i < sl.length; i++) {
                int tok = sl[i] / k;
                double g = s.g[sl[i]];
                for (int j = 0; j < h; j++) s.out[tok * h + j] += g * r.y()[i * h + j];
            }
        }
        if (L.shared() != null) {
            s.shared = swiglu(L.shared(), s.b, t);
            s.sharedLogit = L.sharedGate() == null ? null : Gemm.linear(s.b, t, L.sharedGate(), 1, h);
            for (int tok = 0; tok < t; tok++) {
                double gate = s.sharedLogit == null ? 1 : RefOps.sigmoid(s.sharedLogit[tok]);
                for (int j = 0; j < h; j++) s.out[tok * h + j] += gate * s.shared.y()[tok * h + j];
            }
        }
        return s;
    }

    /** Router softmax, top-K by probability (ties: lower index), weights renormalised if the family says so. */
    void route(RefModel.Layer L, FfnState s, int t) {
        int e = L.experts().length, k = L.topK();
        double[] logits = Gemm.linear(s.b, t, L.router(), e, c.hidden());
        s.probs = new double[t * e];
        s.sel = new int[t * k];
        s.g = new double[t * k];
        int[] count = new int[e];
        for (int tok = 0; tok < t; tok++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < e; i++) max = Math.max(max, logits[tok * e + i]);
            double sum = 0;
            for (int i = 0; i < e; i++) sum += s.probs[tok * e + i] = Math.exp(logits[tok * e + i] - max);
            for (int i = 0; i < e; i++) s.probs[tok * e + i] /= sum;
            boolean[] taken = new boolean[e];
            double picked = 0;
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int i = 0; i < e; i++) if (!taken[i] && (best < 0 || s.probs[tok * e + i] > s.probs[tok * e + best])) best = i;
                taken[best] = true;
                s.sel[tok * k + j] = best;
                s.g[tok * k + j] = s.probs[tok * e + best];
                picked += s.probs[tok * e + best];
                count[best]++;
            }
            if (L.normTopK()) for (int j = 0; j < k; j++) s.g[tok * k + j] /= picked;
        }
        s.slots = new int[e][];
        for (int i = 0; i < e; i++) s.slots[i] = new int[count[i]];
        int[] fill = new int[e];
        for (int slot = 0; slot < t * k; slot++) s.slots[s.sel[slot]][fill[s.sel[slot]]++] = slot;
    }

    static Swiglu swiglu(RefModel.Ffn w, double[] x, int n) {
        int h = x.length / Math.max(1, n), inter = w.inter();
        double[] gt = Gemm.linear(x, n, w.gate(), inter, h);
        double[] ut = Gemm.linear(x, n, w.up(), inter, h);
        double[] z = new double[n * inter];
        for (int i = 0; i < z.length; i++) z[i] = RefOps.silu(gt[i]) * ut[i];
        return new Swiglu(gt, ut, Gemm.linear(z, n, w.down(), h, inter));
    }

    /** Rows t = slot / K of b for the given slots: (c, H). */
    static double[] gather(double[] b, int[] slots, int k, int h) {
        double[] out = new double[slots.length * h];
        for (int i = 0; i < slots.length; i++) System.arraycopy(b, slots[i] / k * h, out, i * h, h);
        return out;
    }

    private static double[] bias(double[] y, double[] bias, int t) {
        if (bias == null) return y;
        int w = bias.length;
        for (int i = 0; i < t; i++) for (int j = 0; j < w; j++) y[i * w + j] += bias[j];
        return y;
    }

    static void slice(double[] src, int t, int width, int off, int d, double[] dst) {
        for (int i = 0; i < t; i++) System.arraycopy(src, i * width + off, dst, i * d, d);
    }

    static void unslice(double[] src, int t, int width, int off, int d, double[] dst) {
        for (int i = 0; i < t; i++) System.arraycopy(src, i * d, dst, i * width + off, d);
    }

    /** Σ over predictions 0..T−2 of −log softmax(logits_t)[token_{t+1}]. */
    static double nll(Pass p, int vocab) {
        double s = 0;
        for (int i = 0; i + 1 < p.tokens.length; i++) {
            int o = i * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, p.logits[o + v]);
            double sum = 0;
            for (int v = 0; v < vocab; v++) sum += Math.exp(p.logits[o + v] - max);
            s += max + Math.log(sum) - p.logits[o + p.tokens[i + 1]];
        }
        return s;
    }
}
