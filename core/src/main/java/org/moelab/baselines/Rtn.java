package org.moelab.baselines;

import org.moelab.Progress;
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
}
