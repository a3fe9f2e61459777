package org.moelab.bitsmoe.execution;

/**
 * One stored spectral component's vector (length I), in whatever packed layout its width chose. The
 * factorized MoE layer only ever needs these two fused kernels, so dequantization never materialises.
 */
public interface Component {

    /** Σ_i v̂_i · x[off + i] */
    float dot(float[] x, int off);

    /** y[off + i] += a · v̂_i */
    void axpy(float a, float[] y, int off);

    /** Stored bytes: payload plus group scales. */
    long bytes();

    /** Width in bits (1..16); dropped components are not stored at all. */
    int bits();
}
