package org.moelab.mobie;

/**
 * Accumulated loss gradients of routed expert weights, per MoE layer and expert, allocated only for the
 * layers asked for (GLAS needs one layer at a time; memory is one layer's experts in double). Experts no
 * calibration token reached keep a null entry: their gradient is zero.
 */
public final class ExpertGradients {

    /** One layer: per expert {gate (I, H), up (I, H), down (H, I)} or null. */
    static final class Layer {
        final double[][][] experts;

        Layer(int e) {
            experts = new double[e][][];
        }

        double[][] expert(int e, int inter, int hidden) {
            if (experts[e] == null) experts[e] = new double[][] {new double[inter * hidden], new double[inter * hidden], new double[hidden * inter]};
            return experts[e];
        }
    }

    private final Layer[] layers;
    private final double loss;
    private final long predictions;

    ExpertGradients(int layerCount, boolean[] wanted, int experts) {
        layers = new Layer[layerCount];
        for (int l = 0; l < layerCount; l++) if (wanted[l]) layers[l] = new Layer(experts);
        loss = Double.NaN;
        predictions = 0;
    }

    private ExpertGradients(Layer[] layers, double loss, long predictions) {
        this.layers = layers;
        this.loss = loss;
        this.predictions = predictions;
    }

    ExpertGradients withLoss(double loss, long predictions) {
        return new ExpertGradients(layers, loss, predictions);
    }

    Layer layer(int l) {
        return layers[l];
    }

    /** The mean next-token cross-entropy the gradients are of. */
    public double loss() {
        return loss;
    }

    public long predictions() {
        return predictions;
    }

    public boolean has(int layer) {
        return layer >= 0 && layer < layers.length && layers[layer] != null;
    }

    /**
     * dL/dW for projection {@code p} (0 gate, 1 up, 2 down) of expert e in layer l; null when the expert
     * saw no calibration token (zero gradient).
     */
    public double[] get(int l, int e, int p) {
        if (!has(l)) throw new IllegalArgumentException("no gradients were collected for layer " + l);
        double[][] g = layers[l].experts[e];
        return g == null ? null : g[p];
    }
}
