package org.moelab.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The config.json of a synthetic checkpoint, with each family's own key names (as on the hub). */
final class SynthConfig {

    private SynthConfig() {
    }

    static ObjectNode json(SynthShape s, int layers, int eosId) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(s.architecture());
        c.put("model_type", s.modelType());
        c.put("torch_dtype", "bfloat16");
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("tie_word_embeddings", false);
        c.put("vocab_size", s.vocab());
        c.put("hidden_size", s.hidden());
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("num_experts_per_tok", s.topK());
        c.put("rms_norm_eps", s.rmsEps());
        c.put("rope_theta", s.ropeTheta());
        c.putNull("rope_scaling");
        c.put("max_position_embeddings", s.maxPositions());
        c.put("initializer_range", s.initStd());
        c.put("bos_token_id", eosId);
        c.put("eos_token_id", eosId);
        switch (s.modelType()) {
            case "qwen3_moe" -> {
                c.put("num_experts", s.experts());
                c.put("moe_intermediate_size", s.expertIntermediate());
                c.put("intermediate_size", s.denseIntermediate());
                c.put("decoder_sparse_step", 1);
                c.putArray("mlp_only_layers");
                c.put("norm_topk_prob", s.normTopK());
                c.put("use_sliding_window", false);
                c.put("router_aux_loss_coef", 0.001);
            }
            case "mixtral" -> {
                c.put("num_local_experts", s.experts());
                c.put("intermediate_size", s.expertIntermediate());
                c.putNull("sliding_window");
                c.put("router_aux_loss_coef", 0.02);
            }
            case "olmoe" -> {
                c.put("num_experts", s.experts());
                c.put("intermediate_size", s.expertIntermediate());
                c.put("norm_topk_prob", s.normTopK());
                c.putNull("clip_qkv");
                c.put("router_aux_loss_coef", 0.01);
            }
            default -> throw new IllegalArgumentException("no config writer for model_type " + s.modelType());
        }
        return c;
    }
}
