package org.moelab.model;

import java.util.Set;

/**
 * The numbers of a checkpoint's {@code config.json} that the runtime needs, normalised across
 * families (each {@link org.moelab.model.family.ModelFamily} maps its own key names here).
 *
 * @param hidden             H
 * @param expertIntermediate I (per routed expert)
 * @param experts            E (routed experts per MoE layer)
 * @param topK               K
 * @param denseIntermediate  intermediate size of dense (non-MoE) MLP layers, 0 if none
 * @param sharedIntermediate intermediate size of the shared expert(s), 0 if none
 * @param denseLayers        layer indices that use a dense MLP instead of experts
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int experts,
        int topK,
        int expertIntermediate,
        int denseIntermediate,
        int sharedIntermediate,
        boolean normTopK,
        boolean attentionBias,
        QkNorm qkNorm,
        float rmsEps,
        double ropeTheta,
        int maxPositions,
        boolean tiedEmbeddings,
        int bosTokenId,
        Set<Integer> eosTokenIds,
        String torchDtype,
        Set<Integer> denseLayers) {

    /** Where q/k RMSNorm applies, if at all. */
    public enum QkNorm {
        NONE,
        /** Qwen3: one norm of size head_dim shared by all heads. */
        PER_HEAD,
        /** OLMoE: one norm over the whole q (heads·head_dim) and k (kvHeads·head_dim) projection. */
        WHOLE_PROJECTION
    }

    public boolean isMoeLayer(int layer) {
        return !denseLayers.contains(layer);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }
}
