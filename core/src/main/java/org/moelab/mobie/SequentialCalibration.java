package org.moelab.mobie;

import org.moelab.bitsmoe.calibration.CalibrationSet;

/**
 * Layer-sequential calibration on the reference forward (as GPTQ and BiLLM do it): layer l sees the
 * outputs of the already-quantized layers 0..l−1. The hidden states of every calibration sequence are
 * kept between layers, so each layer is run once per sequence instead of the whole model once per layer.
 * Per MoE layer it yields the router inputs b = rms(x1) (which are also the experts' gate/up inputs), the
 * routing, per-expert input Hessians {@code H = (2/T_e) Σ b bᵀ} over the routed tokens, the second moment
 * {@code C = E[b bᵀ]} over all tokens (NGES), and the Hessians of the down projection's inputs.
 */
final class SequentialCalibration {

    /** One layer's inputs: x1 and b (T, H) per sequence, the routing per sequence. */
    final class Layer {
        final int index;
        final double[][] x1;
        final RefForward.FfnState[] routed;

        Layer(int index, double[][] x1, RefForward.FfnState[] routed) {
            this.index = index;
            this.x1 = x1;
            this.routed = routed;
        }

        /** Routed tokens per expert over all sequences. */
        long[] counts() {
            int e = model.c.experts();
            long[] n = new long[e];
            for (RefForward.FfnState f : routed) for (int i = 0; i < e; i++) n[i] += f.slots[i].length;
            return n;
        }

        /** (2/T_e) Σ b bᵀ (H, H) over expert e's routed tokens; null when it has none. */
        double[] hessian(int e) {
            int h = model.c.hidden();
            double[] acc = new double[h * h];
            long n = 0;
            for (RefForward.FfnState f : routed) {
                int[] sl = f.slots[e];
                if (sl.length == 0) continue;
                double[] rows = RefForward.gather(f.b, sl, topK(), h);
                Gemm.gemm(true, false, h, h, sl.length, 1, rows, 0, rows, 0, 1, acc, 0);
                n += sl.length;
            }
            return scale(acc, n);
        }

        /** E[b bᵀ] (H, H) over every token: the router inputs' second moment. */
        double[] covariance() {
            int h = model.c.hidden();
            double[] acc = new double[h * h];
            long n = 0;
            for (RefForward.FfnState f : routed) {
                int t = f.b.length / h;
                Gemm.gemm(true, false, h, h, t, 1, f.b, 0, f.b, 0, 1, acc, 0);
                n += t;
            }
            for (int i = 0; i < acc.length; i++) acc[i] /= n;
            return acc;
        }

        /** The down projection's input Hessian (I, I) of expert e with (quantized) gate and up (I, H). */
        double[] downHessian(int e, float[] gate, float[] up, int inter) {
            int h = model.c.hidden();
            double[] g = Gemm.toDouble(gate), u = Gemm.toDouble(up);
            double[] acc = new double[inter * inter];
            long n = 0;
            for (RefForward.FfnState f : routed) {
                int[] sl = f.slots[e];
                if (sl.length == 0) continue;
                double[] rows = RefForward.gather(f.b, sl, topK(), h);
                double[] gt = Gemm.linear(rows, sl.length, g, inter, h);
                double[] ut = Gemm.linear(rows, sl.length, u, inter, h);
                for (int i = 0; i < gt.length; i++) gt[i] = RefOps.silu(gt[i]) * ut[i];
                Gemm.gemm(true, false, inter, inter, sl.length, 1, gt, 0, gt, 0, 1, acc, 0);
                n += sl.length;
            }
            return scale(acc, n);
        }

        private int topK() {
            return model.layers[index].topK();
        }
    }

    private RefModel model;
    private final double[][] states; // per sequence (T, H)
    private final int[] lengths;

    SequentialCalibration(RefModel model, CalibrationSet set) {
        this.model = model;
        RefForward f = new RefForward(model);
        int[][] seqs = set.sequences();
        states = new double[seqs.length][];
        lengths = new int[seqs.length];
        for (int s = 0; s < seqs.length; s++) {
            states[s] = f.embed(seqs[s]);
            lengths[s] = seqs[s].length;
        }
    }

    /** Runs the attention of layer l (and the routing, for MoE layers) on the current states. */
    Layer enter(int l) {
        RefForward f = new RefForward(model);
        RefModel.Layer L = model.layers[l];
        double[][] x1 = new double[states.length][];
        RefForward.FfnState[] routed = new RefForward.FfnState[states.length];
        for (int s = 0; s < states.length; s++) {
            x1[s] = f.attention(L, states[s], lengths[s]).x1;
            if (!L.isMoe()) continue;
            RefForward.FfnState r = new RefForward.FfnState();
            r.b = new double[x1[s].length];
            r.bInv = RefOps.rmsNorm(x1[s], lengths[s], model.c.hidden(), L.postNorm(), model.c.rmsEps(), r.b);
            f.route(L, r, lengths[s]);
            routed[s] = r;
        }
        return new Layer(l, x1, routed);
    }

    /** Finishes layer l with {@code quantized} (the model with layer l's experts replaced): the states move on. */
    void leave(Layer layer, RefModel quantized) {
        this.model = quantized;
        RefForward f = new RefForward(quantized);
        RefModel.Layer L = quantized.layers[layer.index];
        for (int s = 0; s < states.length; s++) {
            states[s] = RefForward.add(layer.x1[s], f.ffn(L, layer.x1[s], lengths[s]).out);
        }
    }

    RefModel model() {
        return model;
    }

    private static double[] scale(double[] acc, long n) {
        if (n == 0) return null;
        for (int i = 0; i < acc.length; i++) acc[i] *= 2.0 / n;
        return acc;
    }
}
