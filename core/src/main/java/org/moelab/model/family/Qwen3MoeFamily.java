package org.moelab.model.family;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;
import org.moelab.model.MoeWeights;

import java.util.Set;

/**
 * Qwen3-MoE ({@code Qwen3MoeForCausalLM}) and Qwen2-MoE ({@code Qwen2MoeForCausalLM}), which share tensor
 * names. Qwen3: per-head q/k RMSNorm, no biases, no shared expert. Qwen2-MoE: qkv bias, a shared expert
 * with a sigmoid gate, {@code norm_topk_prob=false} by default.
 */
public final class Qwen3MoeFamily implements ModelFamily {

    private final boolean qwen2;

    public Qwen3MoeFamily() {
        this(false);
    }

    Qwen3MoeFamily(boolean qwen2) {
        this.qwen2 = qwen2;
    }

    public static Qwen3MoeFamily qwen2() {
        return new Qwen3MoeFamily(true);
    }

    @Override
    public Set<String> modelTypes() {
        return qwen2 ? Set.of("qwen2_moe") : Set.of("qwen3_moe");
    }

    @Override
    public ModelConfig config(ConfigReader c) {
        c.rejectRopeScaling();
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        int layers = c.positiveInt("num_hidden_layers");
        int step = Math.max(1, c.intOr("decoder_sparse_step", 1));
        Set<Integer> dense = new java.util.TreeSet<>(c.intSet("mlp_only_layers"));
        for (int l = 0; l < layers; l++) {
            if ((l + 1) % step != 0) dense.add(l);
        }
        int experts = c.positiveInt("num_experts");
        int topK = c.positiveInt("num_experts_per_tok");
        if (topK > experts) throw c.bad("num_experts_per_tok", "is larger than num_experts (" + experts + ")");
        return new ModelConfig(
                qwen2 ? "qwen2_moe" : "qwen3_moe",
                c.positiveInt("vocab_size"), hidden, layers, heads,
                c.intOr("num_key_value_heads", heads),
                c.intOr("head_dim", hidden / heads),
                experts, topK,
                c.positiveInt("moe_intermediate_size"),
                c.intOr("intermediate_size", 0),
                qwen2 ? c.intOr("shared_expert_intermediate_size", 0) : 0,
                c.boolOr("norm_topk_prob", !qwen2),
                qwen2 || c.boolOr("attention_bias", false),
                qwen2 ? QkNorm.NONE : QkNorm.PER_HEAD,
                (float) c.doubleOr("rms_norm_eps", 1e-6),
                c.doubleOr("rope_theta", 10000.0),
                c.intOr("max_position_embeddings", 4096),
                c.boolOr("tie_word_embeddings", false),
                c.intOr("bos_token_id", -1),
                c.intSet("eos_token_id"),
                c.stringOr("torch_dtype", "bfloat16"),
                dense);
    }

    @Override
    public LayerWeights layer(Checkpoint cp, ModelConfig c, int l, boolean routedExperts) {
        String p = WeightNames.layer(l);
        String mlp = p + "mlp.";
        int h = c.hidden();
        MoeWeights moe = null;
        var dense = (org.moelab.model.ExpertWeights) null;
        if (c.isMoeLayer(l)) {
            var experts = routedExperts ? WeightNames.experts(cp, mlp, c.experts(), h, c.expertIntermediate(), "gate_proj", "up_proj", "down_proj") : java.util.List.<org.moelab.model.ExpertWeights>of();
            var shared = c.sharedIntermediate() > 0
                    ? WeightNames.swiglu(cp, mlp + "shared_expert.", "gate_proj", "up_proj", "down_proj", h, c.sharedIntermediate())
                    : null;
            var sharedGate = shared != null ? cp.get(mlp + "shared_expert_gate.weight", 1, h) : null;
            moe = new MoeWeights(WeightNames.router(cp, mlp, c.experts(), h), experts, c.topK(), c.normTopK(), shared, sharedGate);
        } else {
            dense = WeightNames.swiglu(cp, mlp, "gate_proj", "up_proj", "down_proj", h, c.denseIntermediate());
        }
        return new LayerWeights(cp.get(p + "input_layernorm.weight", h), WeightNames.attention(cp, c, l, c.attentionBias()),
                cp.get(p + "post_attention_layernorm.weight", h), moe, dense);
    }
}
