package org.moelab.baselines;

import org.moelab.Progress;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * GPTQ over every routed expert, layer-sequentially (methods.md §2): layer l is calibrated on the outputs
 * of the already-quantized layers 0..l−1. Per layer, pass 1 collects each expert's Hessian from the
 * tokens routed to it and quantizes gate and up; pass 2 collects the down projection's Hessian from the
 * intermediate activations of the quantized gate/up. Experts with fewer routed tokens than
 * {@code minTokenFraction} of the calibration tokens fall back to RTN, and the report says so.
 * Bit-widths are uniform ({@code Options.gptq().bits()}) unless a {@link BitWidths} gives one per
 * (layer, expert), as expert-level mixed precision (methods.md §4) needs.
 */
public final class GptqQuantizer {

    public record Options(Gptq.Options gptq, double minTokenFraction) {
        public static Options defaults(int bits) {
            return new Options(Gptq.Options.defaults(bits), 0.005);
        }
    }

    public record LayerReport(int layer, double loss, double seconds, List<Integer> rtnFallbackExperts, long[] tokens) {
    }

    public record Result(List<List<DequantizedExperts.Expert>> experts, List<LayerReport> layers, double seconds) {
    }

    /** The bit-width of expert e of MoE layer l (GPTQ and its RTN fallback both use it). */
    @FunctionalInterface
    public interface BitWidths {
        int bits(int layer, int expert);
    }

    private GptqQuantizer() {
    }

    public static Result quantize(MoeModel model, CalibrationSet set, Options o, Progress progress) {
        int uniform = o.gptq().bits();
        return quantize(model, set, o, (l, e) -> uniform, progress);
    }

    /** As {@link #quantize(MoeModel, CalibrationSet, Options, Progress)} with a bit-width per (layer, expert). */
    public static Result quantize(MoeModel model, CalibrationSet set, Options o, BitWidths bitWidths, Progress progress) {
        long t0 = System.nanoTime();
        int h = model.config().hidden();
        int inter = model.config().expertIntermediate();
        List<List<DequantizedExperts.Expert>> done = new ArrayList<>();
        for (int l = 0; l < model.layers().size(); l++) done.add(null);
        List<LayerReport> reports = new ArrayList<>();
        long minTokens = (long) Math.ceil(o.minTokenFraction() * set.tokens());
        for (int l = 0; l < model.layers().size(); l++) {
            LayerWeights lw = model.layers().get(l);
            if (!lw.isMoe()) continue;
            long ls = System.nanoTime();
            int e = lw.moe().expertCount();
            Transformer partial = new Transformer(model, DequantizedExperts.layers(model, done));
            Hessians inputs = new Hessians(e, h);
            collect(partial, set, l, (ex, xs, c) -> inputs.add(ex, xs, c));
            List<float[]> gates = new ArrayList<>();
            List<float[]> ups = new ArrayList<>();
            List<Integer> fallbacks = new ArrayList<>();
            double loss = 0;
            Gptq.Options[] opts = new Gptq.Options[e];
            MinMaxGroupQuantizer[] rtns = new MinMaxGroupQuantizer[e];
            for (int ex = 0; ex < e; ex++) {
                opts[ex] = withBits(o.gptq(), bitWidths.bits(l, ex));
                rtns[ex] = new MinMaxGroupQuantizer(opts[ex].bits(), opts[ex].groupSize(), opts[ex].symmetric());
            }
            for (int ex = 0; ex < e; ex++) {
                ExpertWeights w = lw.moe().experts().get(ex);
                MinMaxGroupQuantizer rtn = rtns[ex];
                if (inputs.counts[ex] < Math.max(1, minTokens)) {
                    fallbacks.add(ex);
                    gates.add(Rtn.rtn(rtn, w.gate()));
                    ups.add(Rtn.rtn(rtn, w.up()));
                    continue;
                }
                double[] hx = inputs.gptq(ex);
                Gptq.Result g = Gptq.quantize(DequantizedExperts.floats(w.gate()), inter, h, hx, opts[ex]);
                Gptq.Result u = Gptq.quantize(DequantizedExperts.floats(w.up()), inter, h, hx, opts[ex]);
                gates.add(g.weights());
                ups.add(u.weights());
                loss += g.loss() + u.loss();
            }
            Hessians mids = new Hessians(e, inter);
            collect(partial, set, l, (ex, xs, c) -> mids.add(ex, intermediate(gates.get(ex), ups.get(ex), xs, c, h, inter), c));
            List<DequantizedExperts.Expert> layer = new ArrayList<>();
            for (int ex = 0; ex < e; ex++) {
                ExpertWeights w = lw.moe().experts().get(ex);
                float[] down;
                if (fallbacks.contains(ex) || mids.counts[ex] == 0) {
                    down = Rtn.rtn(rtns[ex], w.down());
                } else {
                    Gptq.Result d = Gptq.quantize(DequantizedExperts.floats(w.down()), h, inter, mids.gptq(ex), opts[ex]);
                    down = d.weights();
                    loss += d.loss();
                }
                layer.add(new DequantizedExperts.Expert(gates.get(ex), ups.get(ex), down));
            }
            done.set(l, layer);
            reports.add(new LayerReport(l, loss, (System.nanoTime() - ls) / 1e9, List.copyOf(fallbacks), inputs.counts.clone()));
            progress.update("gptq", l + 1, model.layers().size());
        }
        return new Result(done, reports, (System.nanoTime() - t0) / 1e9);
    }

    private static Gptq.Options withBits(Gptq.Options g, int bits) {
        if (bits == g.bits()) return g;
        return new Gptq.Options(bits, g.groupSize(), g.symmetric(), g.percDamp(), g.actOrder(), g.blockSize());
    }

    private interface RoutedRows {
        void accept(int expert, float[] rows, int count);
    }

    /** Runs the calibration set, handing each expert of layer l the router inputs routed to it (per sequence). */
    private static void collect(Transformer t, CalibrationSet set, int layer, RoutedRows sink) {
        InferenceSession s = t.newSession();
        int h = t.config().hidden();
        int e = t.config().experts();
        for (int[] seq : set.sequences()) {
            float[][] rows = new float[e][seq.length * h];
            int[] counts = new int[e];
            s.reset();
            s.setRoutingObserver((l, x, experts, weights) -> {
                if (l != layer) return;
                for (int ex : experts) System.arraycopy(x, 0, rows[ex], counts[ex]++ * h, h);
            });
            s.feed(seq);
            for (int ex = 0; ex < e; ex++) sink.accept(ex, rows[ex], counts[ex]);
        }
    }

    /** z (c, I) = silu(Ŵ_g x) ⊙ (Ŵ_u x) with the quantized gate/up (I, H). */
    private static float[] intermediate(float[] gate, float[] up, float[] xs, int c, int h, int inter) {
        float[] z = new float[c * inter];
        org.moelab.tensor.Tensor g = org.moelab.tensor.Tensor.ofFloats("g", gate, inter, h);
        org.moelab.tensor.Tensor u = org.moelab.tensor.Tensor.ofFloats("u", up, inter, h);
        float[] gz = new float[c * inter];
        float[] uz = new float[c * inter];
        org.moelab.compute.MatMul.matmul(g, xs, c, gz);
        org.moelab.compute.MatMul.matmul(u, xs, c, uz);
        for (int i = 0; i < z.length; i++) z[i] = gz[i] / (1f + (float) Math.exp(-gz[i])) * uz[i];
        return z;
    }
}
