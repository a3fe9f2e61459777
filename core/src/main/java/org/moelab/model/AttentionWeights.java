package org.moelab.model;

import org.moelab.tensor.Tensor;

/**
 * Grouped-query self-attention of one layer. Biases and q/k norms are null where the family has none.
 *
 * @param q (heads·D, H)   @param k (kvHeads·D, H)   @param v (kvHeads·D, H)   @param o (H, heads·D)
 */
public record AttentionWeights(Tensor q, Tensor k, Tensor v, Tensor o,
                               Tensor qBias, Tensor kBias, Tensor vBias,
                               Tensor qNorm, Tensor kNorm) {
}
