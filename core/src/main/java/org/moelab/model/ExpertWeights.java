package org.moelab.model;

import org.moelab.tensor.Tensor;

/**
 * One SwiGLU expert, {@code y = W_d · (silu(W_g x) ⊙ (W_u x))}. Views into the checkpoint, never copies
 * (for fused layouts, row ranges of the fused tensor).
 *
 * @param gate W_g (I, H)
 * @param up   W_u (I, H)
 * @param down W_d (H, I)
 */
public record ExpertWeights(Tensor gate, Tensor up, Tensor down) {

    public int intermediate() {
        return Math.toIntExact(gate.dim(0));
    }

    public int hidden() {
        return gate.cols();
    }
}
