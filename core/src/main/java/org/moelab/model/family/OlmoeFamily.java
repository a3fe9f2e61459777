package org.moelab.model.family;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;
import org.moelab.model.MoeWeights;

import java.util.Set;

/**
 * OLMoE ({@code OlmoeForCausalLM}): q/k RMSNorm over the whole projection (not per head), experts
 * {@code mlp.experts.{e}.gate_proj/up_proj/down_proj}, {@code norm_topk_prob=false} by default.
 * {@code clip_qkv} is rejected rather than ignored.
 */
public final class OlmoeFamily implements ModelFamily {

    @Override
    public Set<String> modelTypes() {
        return Set.of("olmoe");
    }

    @Override
    public ModelConfig config(ConfigReader c) {
        c.rejectRopeScaling();
        if (c.has("clip_qkv")) throw c.bad("clip_qkv", "is set; clipping q/k/v is not supported");
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        int experts = c.positiveInt("num_experts");
        int topK = c.positiveInt("num_experts_per_tok");
        if (topK > experts) throw c.bad("num_experts_per_tok", "is larger than num_experts (" + experts + ")");
        return new ModelConfig("olmoe",
                c.positiveInt("vocab_size"), hidden, c.positiveInt("num_hidden_layers"), heads,
                c.intOr("num_key_value_heads", heads),
                hidden / heads,
                experts, topK,
                c.positiveInt("intermediate_size"), 0, 0,
                c.boolOr("norm_topk_prob", false),
                c.boolOr("attention_bias", false),
                QkNorm.WHOLE_PROJECTION,
                (float) c.doubleOr("rms_norm_eps", 1e-5),
                c.doubleOr("rope_theta", 10000.0),
                c.intOr("max_position_embeddings", 4096),
                c.boolOr("tie_word_embeddings", false),
                c.intOr("bos_token_id", -1),
                c.intSet("eos_token_id"),
                c.stringOr("torch_dtype", "bfloat16"),
                Set.of());
    }

    @Override
    public LayerWeights layer(Checkpoint cp, ModelConfig c, int l, boolean routedExperts) {
        String p = WeightNames.layer(l);
        String mlp = p + "mlp.";
        int h = c.hidden();
        var experts = routedExperts ? WeightNames.experts(cp, mlp, c.experts(), h, c.expertIntermediate(), "gate_proj", "up_proj", "down_proj") : java.util.List.<org.moelab.model.ExpertWeights>of();
        var moe = new MoeWeights(WeightNames.router(cp, mlp, c.experts(), h), experts, c.topK(), c.normTopK(), null, null);
        return new LayerWeights(cp.get(p + "input_layernorm.weight", h), WeightNames.attention(cp, c, l, c.attentionBias()),
                cp.get(p + "post_attention_layernorm.weight", h), moe, null);
    }
}
