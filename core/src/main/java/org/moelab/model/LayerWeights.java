package org.moelab.model;

import org.moelab.tensor.Tensor;

/**
 * One decoder layer: pre-norm attention, then pre-norm feed-forward, which is either the MoE block
 * ({@code moe}) or, in dense layers of some families, a plain SwiGLU MLP ({@code dense}).
 */
public record LayerWeights(Tensor inputNorm, AttentionWeights attention, Tensor postAttentionNorm,
                           MoeWeights moe, ExpertWeights dense) {

    public boolean isMoe() {
        return moe != null;
    }
}
