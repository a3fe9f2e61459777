package org.moelab.linalg;

/**
 * Eigenpairs of a symmetric (n, n) matrix, largest eigenvalue first.
 *
 * @param values  (n) λ_0 ≥ λ_1 ≥ … ≥ λ_{n−1}
 * @param vectors (n, n) row-major, row k = the unit eigenvector of λ_k
 */
public record SymmetricEigen(int n, double[] values, double[] vectors) {

    public SymmetricEigen {
        if (values.length != n || vectors.length != (long) n * n) {
            throw new IllegalArgumentException("eigen of order " + n + " needs " + n + " values and " + n * n + " vector entries");
        }
    }

    /** Row k of the eigenvector matrix as floats (the shared direction v_k). */
    public float[] vectorAsFloats(int k) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) vectors[k * n + i];
        return v;
    }
}
