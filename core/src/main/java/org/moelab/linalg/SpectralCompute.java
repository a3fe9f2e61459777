package org.moelab.linalg;

/**
 * The dense kernels of BitsMoE's decomposition (methods.md §1.1): the Gram matrix of a stack of
 * expert matrices, a symmetric eigensolve, and the products of the experts with the basis. CPU: {@link NetlibSpectralCompute} (BLAS {@code dsyrk},
 * LAPACK {@code dsyevd} on the system OpenBLAS); the OpenCL module implements the Gram on a device.
 * Matrices are row-major; the Gram accumulates in double (one call's product in float or double, {@link
 * GramPrecision}) and the eigensolve is double, so an r = H decomposition is exact to fp32 round-off.
 */
public interface SpectralCompute {

    /**
     * Accumulates {@code g += Aᵀ A} for a row-major {@code a} of shape (rows, cols): the input-side Gram
     * {@code Σ_e W_eᵀ W_e} when called once per expert with W_e (I, H).
     *
     * @param g (cols, cols) row-major, full symmetric on return
     */
    void addGramOfColumns(float[] a, int rows, int cols, double[] g);

    /**
     * Accumulates {@code g += A Aᵀ} for a row-major {@code a} of shape (rows, cols): the output-side Gram
     * {@code Σ_e W_e W_eᵀ} when called once per expert with W_e (H, I).
     *
     * @param g (rows, rows) row-major, full symmetric on return
     */
    void addGramOfRows(float[] a, int rows, int cols, double[] g);

    /** The arithmetic of one Gram call (the accumulator is double either way). */
    default GramPrecision gramPrecision() {
        return GramPrecision.DOUBLE;
    }

    /**
     * The factor products: {@code Y (n, out) = X (n, in) · Wᵀ} for row-major W (out, in), e.g. P_e = W_e·V with W =
     * the (r, H) basis and X = W_e (I, H). Default: the Vector API matmul; BLAS {@code sgemm} on the CPU.
     */
    default void multiplyTransposed(float[] w, int out, int in, float[] x, int n, float[] y) {
        org.moelab.compute.MatMul.matmul(org.moelab.tensor.Tensor.ofFloats("W", w, out, in), x, n, y);
    }

    /** Eigen-decomposition of a symmetric (n, n) matrix; {@code g} is not modified. */
    SymmetricEigen eigen(double[] g, int n);

    /**
     * The default: BLAS/LAPACK through netlib (native OpenBLAS when installed, its Java port otherwise), with the
     * Gram precision of {@code -Dmoelab.gram} ({@link GramPrecision#configured()}, float unless set).
     */
    static SpectralCompute cpu() {
        return NetlibSpectralCompute.of(GramPrecision.configured());
    }

    /** BLAS/LAPACK with the given Gram precision. */
    static SpectralCompute cpu(GramPrecision precision) {
        return NetlibSpectralCompute.of(precision);
    }

    /**
     * The Gram on the compute backend chosen for this JVM ({@link org.moelab.compute.ComputeBackends#chosen()},
     * {@code -Dmoelab.compute}), the eigensolve on LAPACK. With the CPU backend this is {@link #cpu()} itself.
     */
    static SpectralCompute chosen() {
        return org.moelab.compute.ComputeBackends.chosen().spectral();
    }

    /** Which BLAS / LAPACK implementation netlib loaded (for logs and benchmark headers). */
    static String cpuImplementation() {
        return NetlibSpectralCompute.implementation();
    }
}
