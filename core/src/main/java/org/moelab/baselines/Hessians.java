package org.moelab.baselines;

import org.moelab.compute.MatMul;
import org.moelab.tensor.Tensor;

/**
 * Per-expert input second moments {@code Σ x xᵀ} (d, d) in double, fed a batch of rows at a time; each
 * batch's Gram goes through the vectorised matmul in float and is then added in double.
 */
final class Hessians {

    final int experts;
    final int dim;
    final double[][] sums; // (E) × (d, d)
    final long[] counts;

    Hessians(int experts, int dim) {
        this.experts = experts;
        this.dim = dim;
        this.sums = new double[experts][dim * dim];
        this.counts = new long[experts];
    }

    /** Adds rows (c, d) of expert e. */
    void add(int e, float[] rows, int c) {
        if (c == 0) return;
        float[] t = new float[dim * c]; // (d, c) transposed
        for (int i = 0; i < c; i++) for (int j = 0; j < dim; j++) t[j * c + i] = rows[i * dim + j];
        float[] g = new float[dim * dim];
        MatMul.matmul(Tensor.ofFloats("x", t, dim, c), t, dim, g);
        double[] s = sums[e];
        for (int i = 0; i < g.length; i++) s[i] += g[i];
        counts[e] += c;
    }

    /** GPTQ's H = 2 X Xᵀ / n for expert e (zeros when it saw no tokens). */
    double[] gptq(int e) {
        double[] h = new double[dim * dim];
        if (counts[e] == 0) return h;
        for (int i = 0; i < h.length; i++) h[i] = 2 * sums[e][i] / counts[e];
        return h;
    }
}
