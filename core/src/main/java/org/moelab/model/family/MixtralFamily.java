package org.moelab.model.family;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.ModelConfig.QkNorm;
import org.moelab.model.MoeWeights;

import java.util.Set;

/**
 * Mixtral ({@code MixtralForCausalLM}) in both layouts: the hub layout
 * {@code block_sparse_moe.experts.{e}.w1/w3/w2} (w1 = gate, w3 = up, w2 = down) with router
 * {@code block_sparse_moe.gate}, and the transformers-v5 fused layout under {@code mlp.experts}.
 * Routing: softmax over the top-K logits, i.e. always renormalised.
 */
public final class MixtralFamily implements ModelFamily {

    @Override
    public Set<String> modelTypes() {
        return Set.of("mixtral");
    }

    @Override
    public ModelConfig config(ConfigReader c) {
        c.rejectRopeScaling();
        int hidden = c.positiveInt("hidden_size");
        int heads = c.positiveInt("num_attention_heads");
        int experts = c.positiveInt("num_local_experts");
        int topK = c.positiveInt("num_experts_per_tok");
        if (topK > experts) throw c.bad("num_experts_per_tok", "is larger than num_local_experts (" + experts + ")");
        return new ModelConfig("mixtral",
                c.positiveInt("vocab_size"), hidden, c.positiveInt("num_hidden_layers"), heads,
                c.intOr("num_key_value_heads", heads),
                c.intOr("head_dim", hidden / heads),
                experts, topK,
                c.positiveInt("intermediate_size"), 0, 0,
                true, false, QkNorm.NONE,
                (float) c.doubleOr("rms_norm_eps", 1e-5),
                c.doubleOr("rope_theta", 1e6),
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
        int h = c.hidden();
        String hub = p + "block_sparse_moe.";
        String mlp = cp.has(hub + "gate.weight") ? hub : p + "mlp.";
        var experts = routedExperts ? WeightNames.experts(cp, mlp, c.experts(), h, c.expertIntermediate(), "w1", "w3", "w2") : java.util.List.<org.moelab.model.ExpertWeights>of();
        var moe = new MoeWeights(WeightNames.router(cp, mlp, c.experts(), h), experts, c.topK(), true, null, null);
        return new LayerWeights(cp.get(p + "input_layernorm.weight", h), WeightNames.attention(cp, c, l, false),
                cp.get(p + "post_attention_layernorm.weight", h), moe, null);
    }
}
