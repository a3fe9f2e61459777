package org.moelab.runtime;

/**
 * One expert's feed-forward over a batch of tokens. The plain bf16 expert implements it; quantized and
 * factorized experts (BitsMoE, GPTQ, MoBiE) implement it with their own kernels.
 */
public interface ExpertFfn {

    /** {@code y (n, H) = expert(x (n, H))}; y is overwritten. */
    void forward(float[] x, int n, float[] y);

    /** Multiply-adds per token, to decide whether splitting work across cores pays. */
    long macsPerToken();
}
