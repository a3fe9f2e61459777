package org.moelab.runtime;

import org.moelab.compute.MatMul;
import org.moelab.model.ExpertWeights;

/** SwiGLU {@code y = W_d · (silu(W_g x) ⊙ (W_u x))} on weights read in place. */
public final class DenseExpert implements ExpertFfn {

    private final ExpertWeights w;
    private final int inter;
    private final int hidden;

    public DenseExpert(ExpertWeights w) {
        this.w = w;
        this.inter = w.intermediate();
        this.hidden = w.hidden();
    }

    @Override
    public void forward(float[] x, int n, float[] y) {
        float[] g = new float[n * inter];
        float[] u = new float[n * inter];
        MatMul.matmul(w.gate(), x, n, g);
        MatMul.matmul(w.up(), x, n, u);
        for (int i = 0; i < g.length; i++) g[i] = silu(g[i]) * u[i];
        MatMul.matmul(w.down(), g, n, y);
    }

    @Override
    public long macsPerToken() {
        return 3L * inter * hidden;
    }

    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }
}
