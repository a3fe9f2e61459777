package org.moelab.runtime;

/**
 * The feed-forward of one MoE layer as the transformer sees it. {@link MoeBlock} runs the experts as
 * stored; quantized methods (BitsMoE's factorized experts, GPTQ, MoBiE) provide their own.
 */
public interface MoeLayer {

    /** {@code y (n, H) = MoE(x (n, H))}; y is overwritten. Routing decisions go to the observer, if any. */
    void forward(float[] x, int n, float[] y, int layer, RoutingObserver observer);
}
