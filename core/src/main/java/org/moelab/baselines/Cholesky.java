package org.moelab.baselines;

/** The dense symmetric-positive-definite algebra GPTQ needs, in double. */
final class Cholesky {

    private Cholesky() {
    }

    /** Lower L with A = L·Lᵀ (row-major n×n); throws when A is not positive definite. */
    static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(s > 0)) throw new ArithmeticException("matrix is not positive definite at column " + i);
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** A⁻¹ from A = L·Lᵀ. */
    static double[] inverse(double[] a, int n) {
        double[] l = lower(a, n);
        double[] linv = new double[n * n];
        for (int i = 0; i < n; i++) {
            linv[i * n + i] = 1 / l[i * n + i];
            for (int j = 0; j < i; j++) {
                double s = 0;
                for (int k = j; k < i; k++) s -= l[i * n + k] * linv[k * n + j];
                linv[i * n + j] = s / l[i * n + i];
            }
        }
        double[] inv = new double[n * n]; // Linvᵀ·Linv
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += linv[k * n + i] * linv[k * n + j];
                inv[i * n + j] = s;
                inv[j * n + i] = s;
            }
        }
        return inv;
    }

    /** The upper Cholesky factor U of A⁻¹ (A⁻¹ = UᵀU), as GPTQ uses it. */
    static double[] upperFactorOfInverse(double[] a, int n) {
        double[] l = lower(inverse(a, n), n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) u[j * n + i] = l[i * n + j];
        return u;
    }
}
