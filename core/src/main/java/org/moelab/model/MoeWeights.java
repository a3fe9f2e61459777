package org.moelab.model;

import org.moelab.tensor.Tensor;

import java.util.List;

/**
 * The MoE feed-forward of one layer.
 *
 * @param router       (E, H) router logits weight
 * @param experts      E routed experts; empty when they are held elsewhere (a quantized artifact)
 * @param topK         K
 * @param normTopK     renormalise the K selected routing weights to sum to 1
 * @param shared       the shared expert, or null (Qwen2-MoE, DeepSeek)
 * @param sharedGate   (1, H) sigmoid gate of the shared expert, or null (always-on shared expert)
 */
public record MoeWeights(Tensor router, List<ExpertWeights> experts, int topK, boolean normTopK,
                         ExpertWeights shared, Tensor sharedGate) {

    public int expertCount() {
        return Math.toIntExact(router.dim(0));
    }
}
