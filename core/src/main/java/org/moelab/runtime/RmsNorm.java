package org.moelab.runtime;

/** {@code y = w ⊙ x / sqrt(mean(x²) + eps)}, per row of length {@code dim}; the mean is taken in double. */
public final class RmsNorm {

    private RmsNorm() {
    }

    public static void apply(float[] x, int off, int dim, float[] weight, float eps, float[] y, int yOff) {
        double ss = 0;
        for (int i = 0; i < dim; i++) ss += (double) x[off + i] * x[off + i];
        float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
        for (int i = 0; i < dim; i++) y[yOff + i] = weight[i] * (x[off + i] * inv);
    }

    /** Each of the {@code rows} rows of length {@code dim} in place. */
    public static void rows(float[] x, int rows, int dim, float[] weight, float eps, float[] y) {
        for (int r = 0; r < rows; r++) apply(x, r * dim, dim, weight, eps, y, r * dim);
    }
}
