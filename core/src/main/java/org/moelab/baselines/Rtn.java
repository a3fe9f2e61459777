package org.moelab.baselines;

import org.moelab.Progress;
import org.moelab.model.AttentionWeights;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;

import java.util.ArrayList;
import java.util.List;

/** Round-to-nearest of every routed expert (methods.md §3): the quantizer with no error feedback. */
public final class Rtn {

    private Rtn() {
    }

    public static List<List<DequantizedExperts.Expert>> quantize(MoeModel model, MinMaxGroupQuantizer q, Progress progress) {
        List<List<DequantizedExperts.Expert>> out = new ArrayList<>();
        int l = 0;
        for (LayerWeights lw : model.layers()) {
            if (!lw.isMoe()) {
                out.add(null);
                continue;
            }
            List<DequantizedExperts.Expert> layer = new ArrayList<>();
            for (ExpertWeights e : lw.moe().experts()) {
                layer.add(new DequantizedExperts.Expert(rtn(q, e.gate()), rtn(q, e.up()), rtn(q, e.down())));
            }
            out.add(layer);
            progress.update("rtn", ++l, model.layers().size());
        }
        return out;
    }

    static float[] rtn(MinMaxGroupQuantizer q, org.moelab.tensor.Tensor t) {
        return q.roundToNearest(DequantizedExperts.floats(t), Math.toIntExact(t.rows()), t.cols());
    }

    /**
     * The option "RTN for attention too": a view of {@code model} whose q, k, v and o projections are
     * replaced by their round-to-nearest dequantized values (fp32, named as in the checkpoint); everything
     * else, the routed experts included, is shared with {@code model}. Close {@code model}, not the view.
     */
    public static MoeModel withQuantizedAttention(MoeModel model, MinMaxGroupQuantizer q) {
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights lw : model.layers()) {
            AttentionWeights a = lw.attention();
            AttentionWeights qa = new AttentionWeights(dequantized(q, a.q()), dequantized(q, a.k()), dequantized(q, a.v()),
                    dequantized(q, a.o()), a.qBias(), a.kBias(), a.vBias(), a.qNorm(), a.kNorm());
            layers.add(new LayerWeights(lw.inputNorm(), qa, lw.postAttentionNorm(), lw.moe(), lw.dense()));
        }
        return new MoeModel(model.source(), model.config(), model.embedding(), List.copyOf(layers), model.finalNorm(),
                model.lmHead(), model.checkpoint());
    }

    /** The tensors {@link #withQuantizedAttention} replaced, by checkpoint name (for saving). */
    public static java.util.Map<String, org.moelab.tensor.Tensor> attentionTensors(MoeModel quantizedView) {
        java.util.Map<String, org.moelab.tensor.Tensor> out = new java.util.LinkedHashMap<>();
        for (LayerWeights lw : quantizedView.layers()) {
            AttentionWeights a = lw.attention();
            for (org.moelab.tensor.Tensor t : List.of(a.q(), a.k(), a.v(), a.o())) out.put(t.name(), t);
        }
        return out;
    }

    private static org.moelab.tensor.Tensor dequantized(MinMaxGroupQuantizer q, org.moelab.tensor.Tensor t) {
        return org.moelab.tensor.Tensor.ofFloats(t.name(), rtn(q, t), t.shape());
    }
}
