package org.moelab.baselines;

import org.moelab.compute.VectorDot;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import org.moelab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Routed experts replaced by their quantize-dequantize images ("fake quantization"), the way quality of
 * RTN/GPTQ-style methods is measured: everything else of the model stays as stored.
 */
public final class DequantizedExperts {

    /** The three matrices of one expert after quantization, row-major as in the checkpoint. */
    public record Expert(float[] gate, float[] up, float[] down) {
    }

    private DequantizedExperts() {
    }

    /** MoE layers for a Transformer: {@code experts.get(l)} per MoE layer (null keeps layer l as stored). */
    public static List<MoeLayer> layers(MoeModel model, List<List<Expert>> experts) {
        List<MoeLayer> out = new ArrayList<>();
        for (int l = 0; l < model.layers().size(); l++) {
            LayerWeights lw = model.layers().get(l);
            if (!lw.isMoe()) {
                out.add(null);
                continue;
            }
            if (experts.get(l) == null) {
                out.add(MoeBlock.dense(lw.moe()));
                continue;
            }
            MoeWeights w = lw.moe();
            List<ExpertWeights> q = new ArrayList<>();
            for (int e = 0; e < w.expertCount(); e++) {
                ExpertWeights src = w.experts().get(e);
                Expert d = experts.get(l).get(e);
                q.add(new ExpertWeights(like(src.gate(), d.gate()), like(src.up(), d.up()), like(src.down(), d.down())));
            }
            out.add(MoeBlock.dense(new MoeWeights(w.router(), q, w.topK(), w.normTopK(), w.shared(), w.sharedGate())));
        }
        return out;
    }

    static Tensor like(Tensor src, float[] values) {
        return Tensor.ofFloats(src.name() + ".dequantized", values, src.shape());
    }

    /** A weight matrix as floats (rows, cols). */
    public static float[] floats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.elements())];
        VectorDot.toFloats(t, 0, out, 0, out.length);
        return out;
    }
}
