package org.moelab.mobie;

import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;

/**
 * Reverse mode through {@link RefForward}'s pass: from the next-token cross-entropy (scaled by
 * {@code scale}, 1/N for a mean over N predictions) down to layer {@code lowest}, accumulating the
 * gradients of the routed experts' gate, up and down weights of every layer ≥ lowest into a
 * {@link ExpertGradients}. Routing choices are piecewise constant; gradients flow through the routing
 * weights (softmax, top-K renormalisation) into the router input, and through attention (softmax, RoPE,
 * q/k norm), the norms and the residual stream, as a loss gradient w.r.t. an earlier layer's weights needs.
 */
final class RefBackward {

    private final RefForward fwd;
    private final ModelConfig c;

    RefBackward(RefForward fwd) {
        this.fwd = fwd;
        this.c = fwd.c;
    }

    /** @return the summed NLL of the pass (unscaled), for logging and checks */
    double backward(RefForward.Pass p, double scale, int lowest, ExpertGradients acc) {
        int t = p.tokens.length, h = c.hidden(), vocab = c.vocabSize();
        double[] dl = new double[t * vocab];
        double nll = 0;
        for (int i = 0; i + 1 < t; i++) {
            int o = i * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, p.logits[o + v]);
            double sum = 0;
            for (int v = 0; v < vocab; v++) sum += dl[o + v] = Math.exp(p.logits[o + v] - max);
            nll += max + Math.log(sum) - p.logits[o + p.tokens[i + 1]];
            for (int v = 0; v < vocab; v++) dl[o + v] *= scale / sum;
            dl[o + p.tokens[i + 1]] -= scale;
        }
        double[] df = new double[t * h];
        Gemm.linearBackInput(dl, t, fwd.m.lmHead, vocab, h, df);
        double[] dx = new double[t * h];
        RefOps.rmsNormBack(p.xL, t, h, fwd.m.finalNorm, p.fInv, df, dx);
        for (int l = c.layers() - 1; l >= lowest; l--) {
            RefModel.Layer L = fwd.m.layers[l];
            RefForward.FfnState f = p.ffn[l];
            RefForward.AttnState a = p.attn[l];
            double[] db = new double[t * h];
            if (L.isMoe()) moe(L, f, dx, t, db, acc == null ? null : acc.layer(l));
            else swigluBack(L.dense(), f.b, f.shared, dx, t, db);
            double[] dx1 = dx; // residual
            RefOps.rmsNormBack(a.x1, t, h, L.postNorm(), f.bInv, db, dx1);
            dx = attention(L, a, dx1, t);
        }
        return nll;
    }

    /** dx (layer input) from dx1, through x1 = x + o(attention(rms(x))). */
    private double[] attention(RefModel.Layer L, RefForward.AttnState a, double[] dx1, int t) {
        int h = c.hidden(), qDim = c.qDim(), kvDim = c.kvDim(), d = c.headDim();
        double[] datt = new double[t * qDim];
        Gemm.linearBackInput(dx1, t, L.o(), h, qDim, datt);
        double[] dq = new double[t * qDim], dk = new double[t * kvDim], dv = new double[t * kvDim];
        int group = c.heads() / c.kvHeads();
        double scale = 1 / Math.sqrt(d);
        double[] qh = new double[t * d], kh = new double[t * d], vh = new double[t * d], doh = new double[t * d];
        double[] dp = new double[t * t], dqh = new double[t * d], dkh = new double[t * d], dvh = new double[t * d];
        for (int hh = 0; hh < c.heads(); hh++) {
            int kvh = hh / group, po = hh * t * t;
            RefForward.slice(a.qR, t, qDim, hh * d, d, qh);
            RefForward.slice(a.kR, t, kvDim, kvh * d, d, kh);
            RefForward.slice(a.v, t, kvDim, kvh * d, d, vh);
            RefForward.slice(datt, t, qDim, hh * d, d, doh);
            Gemm.gemm(false, true, t, t, d, 1, doh, 0, vh, 0, 0, dp, 0);      // dP = dO Vᵀ
            Gemm.gemm(true, false, t, d, t, 1, a.p, po, doh, 0, 0, dvh, 0);   // dV = Pᵀ dO
            for (int i = 0; i < t; i++) {
                double dot = 0;
                for (int j = 0; j <= i; j++) dot += dp[i * t + j] * a.p[po + i * t + j];
                for (int j = 0; j <= i; j++) dp[i * t + j] = a.p[po + i * t + j] * (dp[i * t + j] - dot);
                for (int j = i + 1; j < t; j++) dp[i * t + j] = 0;
            }
            Gemm.gemm(false, false, t, d, t, scale, dp, 0, kh, 0, 0, dqh, 0);  // dQ = s dS K
            Gemm.gemm(true, false, t, d, t, scale, dp, 0, qh, 0, 0, dkh, 0);   // dK = s dSᵀ Q
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < d; j++) {
                    dq[i * qDim + hh * d + j] += dqh[i * d + j];
                    dk[i * kvDim + kvh * d + j] += dkh[i * d + j];
                    dv[i * kvDim + kvh * d + j] += dvh[i * d + j];
                }
            }
        }
        RefOps.rope(dq, t, c.heads(), d, fwd.rope, true);
        RefOps.rope(dk, t, c.kvHeads(), d, fwd.rope, true);
        double[] dqPre = dq, dkPre = dk;
        if (c.qkNorm() == QkNorm.PER_HEAD) {
            dqPre = new double[dq.length];
            dkPre = new double[dk.length];
            RefOps.rmsNormBack(a.qPre, t * c.heads(), d, L.qNorm(), a.qInv, dq, dqPre);
            RefOps.rmsNormBack(a.kPre, t * c.kvHeads(), d, L.kNorm(), a.kInv, dk, dkPre);
        } else if (c.qkNorm() == QkNorm.WHOLE_PROJECTION) {
            dqPre = new double[dq.length];
            dkPre = new double[dk.length];
            RefOps.rmsNormBack(a.qPre, t, qDim, L.qNorm(), a.qInv, dq, dqPre);
            RefOps.rmsNormBack(a.kPre, t, kvDim, L.kNorm(), a.kInv, dk, dkPre);
        }
        double[] da = new double[t * h];
        Gemm.linearBackInput(dqPre, t, L.q(), qDim, h, da);
        Gemm.linearBackInput(dkPre, t, L.k(), kvDim, h, da);
        Gemm.linearBackInput(dv, t, L.v(), kvDim, h, da);
        double[] dx = dx1.clone();
        RefOps.rmsNormBack(a.x, t, h, L.inNorm(), a.aInv, da, dx);
        return dx;
    }

    /** db += ∂/∂b of the MoE output given dOut; expert weight gradients into {@code grads} when non-null. */
    private void moe(RefModel.Layer L, RefForward.FfnState f, double[] dOut, int t, double[] db, ExpertGradients.Layer grads) {
        int h = c.hidden(), e = L.experts().length, k = L.topK();
        double[] dg = new double[t * k];
        for (int ex = 0; ex < e; ex++) {
            int[] sl = f.slots[ex];
            int n = sl.length;
            if (n == 0) continue;
            RefModel.Ffn w = L.experts()[ex];
            int inter = w.inter();
            double[] dy = new double[n * h];
            for (int i = 0; i < n; i++) {
                int tok = sl[i] / k;
                double g = f.g[sl[i]], dot = 0;
                for (int j = 0; j < h; j++) {
                    dot += dOut[tok * h + j] * f.y[ex][i * h + j];
                    dy[i * h + j] = g * dOut[tok * h + j];
                }
                dg[sl[i]] = dot;
            }
            double[] bx = RefForward.gather(f.b, sl, k, h);
            double[] dbx = swigluBackRows(w, bx, f.gt[ex], f.ut[ex], dy, n, inter, grads == null ? null : grads.expert(ex, inter, h));
            for (int i = 0; i < n; i++) {
                int tok = sl[i] / k;
                for (int j = 0; j < h; j++) db[tok * h + j] += dbx[i * h + j];
            }
        }
        // Routing weights g = p_S / Σ_S p (or p_S) → softmax → logits → b.
        double[] dlogit = new double[t * e];
        for (int tok = 0; tok < t; tok++) {
            double picked = 0, gdot = 0;
            for (int j = 0; j < k; j++) picked += f.probs[tok * e + f.sel[tok * k + j]];
            for (int j = 0; j < k; j++) gdot += dg[tok * k + j] * f.probs[tok * e + f.sel[tok * k + j]];
            double[] dp = new double[e];
            for (int j = 0; j < k; j++) {
                int ex = f.sel[tok * k + j];
                dp[ex] = L.normTopK() ? dg[tok * k + j] / picked - gdot / (picked * picked) : dg[tok * k + j];
            }
            double s = 0;
            for (int i = 0; i < e; i++) s += dp[i] * f.probs[tok * e + i];
            for (int i = 0; i < e; i++) dlogit[tok * e + i] = f.probs[tok * e + i] * (dp[i] - s);
        }
        Gemm.linearBackInput(dlogit, t, L.router(), e, h, db);
        if (L.shared() != null) {
            double[] ds = new double[t * h];
            double[] dlog = new double[t];
            for (int tok = 0; tok < t; tok++) {
                double gate = f.sharedLogit == null ? 1 : RefOps.sigmoid(f.sharedLogit[tok]), dot = 0;
                for (int j = 0; j < h; j++) {
                    ds[tok * h + j] = gate * dOut[tok * h + j];
                    dot += dOut[tok * h + j] * f.shared.y()[tok * h + j];
                }
                dlog[tok] = dot * gate * (1 - gate);
            }
            swigluBack(L.shared(), f.b, f.shared, ds, t, db);
            if (f.sharedLogit != null) Gemm.linearBackInput(dlog, t, L.sharedGate(), 1, h, db);
        }
    }

    /** db += ∂/∂x of a SwiGLU over all T rows (no weight gradients). */
    private void swigluBack(RefModel.Ffn w, double[] x, RefForward.Swiglu s, double[] dy, int t, double[] db) {
        double[] dx = swigluBackRows(w, x, s.gt(), s.ut(), dy, t, w.inter(), null);
        for (int i = 0; i < dx.length; i++) db[i] += dx[i];
    }

    /**
     * Through y = W_d (silu(W_g x) ⊙ W_u x) for n rows: returns dx (n, H); adds dW_g, dW_u (I, H) and dW_d
     * (H, I) into {@code g} = {gate, up, down} when non-null.
     */
    private static double[] swigluBackRows(RefModel.Ffn w, double[] x, double[] gt, double[] ut, double[] dy, int n,
                                           int inter, double[][] g) {
        int h = x.length / n;
        double[] z = new double[n * inter];
        for (int i = 0; i < z.length; i++) z[i] = RefOps.silu(gt[i]) * ut[i];
        double[] dz = new double[n * inter];
        Gemm.linearBackInput(dy, n, w.down(), h, inter, dz);
        double[] dgt = new double[n * inter], dut = new double[n * inter];
        for (int i = 0; i < dz.length; i++) {
            dgt[i] = dz[i] * ut[i] * RefOps.siluGrad(gt[i]);
            dut[i] = dz[i] * RefOps.silu(gt[i]);
        }
        if (g != null) {
            Gemm.linearBackWeight(dgt, x, n, inter, h, g[0]);
            Gemm.linearBackWeight(dut, x, n, inter, h, g[1]);
            Gemm.linearBackWeight(dy, z, n, h, inter, g[2]);
        }
        double[] dx = new double[n * h];
        Gemm.linearBackInput(dgt, n, w.gate(), inter, h, dx);
        Gemm.linearBackInput(dut, n, w.up(), inter, h, dx);
        return dx;
    }
}
