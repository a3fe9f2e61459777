package org.moelab.mobie;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Row-major double GEMM on BLAS {@code dgemm} (the system OpenBLAS through netlib when installed). A
 * row-major (r, c) buffer is the column-major (c, r) matrix, so {@code C = op(A)·op(B)} is computed as the
 * column-major {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}.
 */
final class Gemm {

    private Gemm() {
    }

    /**
     * {@code C (m, n) = alpha · op(A) (m, k) · op(B) (k, n) + beta · C}, all row-major.
     *
     * @param transA A is stored (k, m) and used transposed
     * @param transB B is stored (n, k) and used transposed
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     double[] a, int aOff, double[] b, int bOff, double beta, double[] c, int cOff) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            for (int i = 0; i < m * n; i++) c[cOff + i] *= beta;
            return;
        }
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        BLAS.getInstance().dgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                b, bOff, ldb, a, aOff, lda, beta, c, cOff, n);
    }

    /** {@code Y (t, out) = X (t, in) · Wᵀ} for W (out, in): the linear layer. */
    static double[] linear(double[] x, int t, double[] w, int out, int in) {
        double[] y = new double[t * out];
        gemm(false, true, t, out, in, 1, x, 0, w, 0, 0, y, 0);
        return y;
    }

    /** {@code dX (t, in) += dY (t, out) · W (out, in)}. */
    static void linearBackInput(double[] dy, int t, double[] w, int out, int in, double[] dx) {
        gemm(false, false, t, in, out, 1, dy, 0, w, 0, 1, dx, 0);
    }

    /** {@code dW (out, in) += dYᵀ (out, t) · X (t, in)}. */
    static void linearBackWeight(double[] dy, double[] x, int t, int out, int in, double[] dw) {
        gemm(true, false, out, in, t, 1, dy, 0, x, 0, 1, dw, 0);
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
