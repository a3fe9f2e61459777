package org.moelab.model.family;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.AttentionWeights;
import org.moelab.model.ExpertWeights;
import org.moelab.model.ModelConfig;
import org.moelab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Shape-checked loaders for the tensor groups all Hugging Face MoE families share. */
public final class WeightNames {

    private WeightNames() {
    }

    static String layer(int l) {
        return "model.layers." + l + ".";
    }

    static AttentionWeights attention(Checkpoint cp, ModelConfig c, int l, boolean bias) {
        String p = layer(l) + "self_attn.";
        int h = c.hidden();
        Tensor qNorm = null;
        Tensor kNorm = null;
        switch (c.qkNorm()) {
            case PER_HEAD -> {
                qNorm = cp.get(p + "q_norm.weight", c.headDim());
                kNorm = cp.get(p + "k_norm.weight", c.headDim());
            }
            case WHOLE_PROJECTION -> {
                qNorm = cp.get(p + "q_norm.weight", c.qDim());
                kNorm = cp.get(p + "k_norm.weight", c.kvDim());
            }
            case NONE -> { }
        }
        return new AttentionWeights(
                cp.get(p + "q_proj.weight", c.qDim(), h),
                cp.get(p + "k_proj.weight", c.kvDim(), h),
                cp.get(p + "v_proj.weight", c.kvDim(), h),
                cp.get(p + "o_proj.weight", h, c.qDim()),
                bias ? cp.get(p + "q_proj.bias", c.qDim()) : null,
                bias ? cp.get(p + "k_proj.bias", c.kvDim()) : null,
                bias ? cp.get(p + "v_proj.bias", c.kvDim()) : null,
                qNorm, kNorm);
    }

    /** A SwiGLU MLP stored as three {@code nn.Linear}s under {@code prefix}. */
    public static ExpertWeights swiglu(Checkpoint cp, String prefix, String gate, String up, String down, int hidden, int inter) {
        return new ExpertWeights(
                cp.get(prefix + gate + ".weight", inter, hidden),
                cp.get(prefix + up + ".weight", inter, hidden),
                cp.get(prefix + down + ".weight", hidden, inter));
    }

    /**
     * Routed experts under {@code mlpPrefix}: the fused layout ({@code experts.gate_up_proj (E, 2I, H)},
     * rows [0, I) gate and [I, 2I) up, and {@code experts.down_proj (E, H, I)}) when present, else
     * per-expert tensors {@code experts.{e}.<gate|up|down>.weight}.
     */
    public static List<ExpertWeights> experts(Checkpoint cp, String mlpPrefix, int e, int hidden, int inter,
                                       String gate, String up, String down) {
        List<ExpertWeights> out = new ArrayList<>(e);
        String fused = mlpPrefix + "experts.gate_up_proj";
        if (cp.has(fused)) {
            Tensor gateUp = cp.get(fused, e, 2L * inter, hidden);
            Tensor downs = cp.get(mlpPrefix + "experts.down_proj", e, hidden, inter);
            for (int i = 0; i < e; i++) {
                Tensor gu = gateUp.select(i);
                out.add(new ExpertWeights(gu.rowRange(0, inter), gu.rowRange(inter, inter), downs.select(i)));
            }
            return out;
        }
        for (int i = 0; i < e; i++) {
            out.add(swiglu(cp, mlpPrefix + "experts." + i + ".", gate, up, down, hidden, inter));
        }
        return out;
    }

    /** The router weight, which some exporters call {@code gate} and others {@code router}. */
    public static Tensor router(Checkpoint cp, String mlpPrefix, int e, int hidden) {
        String router = mlpPrefix + "router.weight";
        return cp.get(cp.has(router) ? router : mlpPrefix + "gate.weight", e, hidden);
    }
}
