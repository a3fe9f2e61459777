package org.moelab.runtime;

/**
 * Sees every routing decision of a forward pass: calibration, expert-shift measurement and the
 * notebooks' routing pictures hook in here. Called on the forward pass's thread, in token order.
 */
@FunctionalInterface
public interface RoutingObserver {

    /**
     * @param layer   decoder layer
     * @param input   (H) the normalised hidden state the router saw (do not keep the array)
     * @param experts (K) selected experts, highest weight first
     * @param weights (K) their routing weights g after optional renormalisation
     */
    void onToken(int layer, float[] input, int[] experts, float[] weights);

    /** Decoder layer {@code layer} has finished for every token of this forward call (calibration releases its pages here). */
    default void onLayerDone(int layer) {
    }
}
