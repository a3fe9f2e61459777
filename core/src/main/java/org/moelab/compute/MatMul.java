package org.moelab.compute;

import org.moelab.tensor.Tensor;

/**
 * {@code Y (n, out) = X (n, in) · Wᵀ} with W {@code (out, in)} read in place (bf16/f16/f32).
 * Decode (n = 1) streams each row once through a fused convert-and-dot; prefill (n > 1) converts a
 * row once and reuses it for every token, so weights are read once per batch, not once per token.
 */
public final class MatMul {

    private MatMul() {
    }

    public static void matmul(Tensor w, float[] x, int n, float[] y) {
        int out = Math.toIntExact(w.rows());
        int in = w.cols();
        if (x.length < (long) n * in || y.length < (long) n * out) {
            throw new IllegalArgumentException(w.name() + ": buffers too small for n=" + n);
        }
        long work = (long) out * in * n;
        if (n == 1) {
            Parallel.forRange(out, work, (from, to) -> {
                for (int o = from; o < to; o++) y[o] = VectorDot.dot(w, (long) o * in, x, 0, in);
            });
            return;
        }
        Parallel.forRange(out, work, (from, to) -> {
            float[] row = new float[in];
            for (int o = from; o < to; o++) {
                VectorDot.toFloats(w, (long) o * in, row, in);
                for (int t = 0; t < n; t++) y[t * out + o] = VectorDot.dot(row, 0, x, t * in, in);
            }
        });
    }

    /** The scalar reference for {@link #matmul}. */
    public static void matmulScalar(Tensor w, float[] x, int n, float[] y) {
        int out = Math.toIntExact(w.rows());
        int in = w.cols();
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < out; o++) y[t * out + o] = VectorDot.dotScalar(w, (long) o * in, x, t * in, in);
        }
    }
}
