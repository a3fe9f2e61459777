package org.moelab.model.family;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;

/**
 * Everything that differs between MoE families — config key names, tensor names, fused or per-expert
 * experts, shared experts, q/k norm, biases — lives in one implementation of this per family.
 */
public interface ModelFamily {

    /** The {@code model_type} values of config.json this family reads. */
    java.util.Set<String> modelTypes();

    ModelConfig config(ConfigReader config);

    /**
     * The weights of decoder layer {@code layer}, shape-checked against the config. Without
     * {@code routedExperts} the routed experts are not read (a quantized artifact stores them its own way).
     */
    LayerWeights layer(Checkpoint checkpoint, ModelConfig config, int layer, boolean routedExperts);

    default String embeddingName() {
        return "model.embed_tokens.weight";
    }

    default String finalNormName() {
        return "model.norm.weight";
    }

    default String lmHeadName() {
        return "lm_head.weight";
    }
}
