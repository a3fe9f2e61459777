package org.moelab.linalg;

/**
 * The two dense kernels of BitsMoE's decomposition (methods.md §1.1): the Gram matrix of a stack of
 * expert matrices and a symmetric eigensolve. CPU: {@link NetlibSpectralCompute} (BLAS {@code dsyrk},
 * LAPACK {@code dsyevd} on the system OpenBLAS); the OpenCL module implements the Gram on a device.
 * Matrices are row-major; Gram and eigen work in double so an r = H decomposition is exact to fp32 round-off.
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

    /** Eigen-decomposition of a symmetric (n, n) matrix; {@code g} is not modified. */
    SymmetricEigen eigen(double[] g, int n);

    /** The default: BLAS/LAPACK through netlib (native OpenBLAS when installed, its Java port otherwise). */
    static SpectralCompute cpu() {
        return NetlibSpectralCompute.INSTANCE;
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
