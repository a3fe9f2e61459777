package org.moelab.compute;

import org.moelab.linalg.GramPrecision;
import org.moelab.linalg.SpectralCompute;
import org.moelab.linalg.SymmetricEigen;

/**
 * The compute SPI: the dense and packed kernels moelab runs, on one device. Implementations are found with
 * {@link java.util.ServiceLoader} (core registers {@link CpuBackend}; the opencl module registers its Aparapi
 * backend) and one is chosen per JVM by {@link ComputeBackends#chosen()}, overridable with
 * {@code -Dmoelab.compute=cpu|opencl}. Constructors must be cheap and must not touch a device: {@link #probe()}
 * does that, once.
 *
 * <p>Every operation has a scalar reference in {@link ReferenceKernels}; implementations are tested against it
 * on awkward sizes with named error budgets. Matrices are row-major; shapes are given as (rows, cols).
 */
public interface ComputeBackend {

    /**
     * What a backend found on this machine.
     *
     * @param usable    whether its kernels can run here
     * @param automatic whether automatic selection may pick it (e.g. OpenCL only on a GPU)
     * @param device    the device in words (name, platform, lanes, threads)
     * @param reason    one line: why usable / automatic or not
     */
    record Probe(boolean usable, boolean automatic, String device, String reason) {
    }

    /** The name {@code -Dmoelab.compute} selects it by: "cpu", "opencl". */
    String name();

    /** Automatic selection takes the usable, automatic backend with the highest priority (CPU: 0). */
    int priority();

    /** Looks at the machine (the first call may load native libraries); never throws. */
    Probe probe();

    /** {@code g += Aᵀ A} for A (rows, cols) row-major; g (cols, cols) row-major, full symmetric on return. */
    void addGramOfColumns(float[] a, int rows, int cols, double[] g);

    /** {@code g += A Aᵀ} for A (rows, cols) row-major; g (rows, rows) row-major, full symmetric on return. */
    void addGramOfRows(float[] a, int rows, int cols, double[] g);

    /** The arithmetic of one Gram call (accumulation is double either way); sets the parity budget. */
    default GramPrecision gramPrecision() {
        return GramPrecision.DOUBLE;
    }

    /** out (count, length) from oOff = the dequantized rows of w. */
    void dequantize(PackedRows w, float[] out, int oOff);

    /** Fused dequant-matvec: out (count) from oOff = W (count, length) · x (length) from xOff. */
    void matvec(PackedRows w, float[] x, int xOff, float[] out, int oOff);

    /** Fused dequant-matvec, transposed: y (length) from yOff += Wᵀ (length, count) · alpha (count) from aOff. */
    void matvecTransposed(PackedRows w, float[] alpha, int aOff, float[] y, int yOff);

    /** A packed matrix prepared once for repeated {@link #matvec}s (decode runs the same weights every token). */
    interface PreparedMatvec {
        /** out[oOff + j] = row_j · x[xOff ..] for every row. */
        void apply(float[] x, int xOff, float[] out, int oOff);

        /** The form the rows run in, in words. */
        String form();
    }

    /**
     * {@code w} prepared for repeated {@link #matvec}s, within the matvec's parity budget; the default runs
     * {@link #matvec} on the rows as they are, so it keeps reading {@code w}'s arrays: leave them unchanged while
     * the prepared form is in use.
     */
    default PreparedMatvec prepareMatvec(PackedRows w) {
        ComputeBackend self = this;
        return new PreparedMatvec() {
            @Override
            public void apply(float[] x, int xOff, float[] out, int oOff) {
                self.matvec(w, x, xOff, out, oOff);
            }

            @Override
            public String form() {
                return "packed rows (" + w.bits() + "-bit CPU layout)";
            }
        };
    }

    /** Batched matmul (prefill): Y (n, out) = X (n, in) · Wᵀ with W (out, in). */
    void matmul(float[] w, int out, int in, float[] x, int n, float[] y);

    /** The decomposition's kernels on this backend: the Gram here, the eigensolve on LAPACK (CPU). */
    default SpectralCompute spectral() {
        ComputeBackend self = this;
        return new SpectralCompute() {
            @Override
            public void addGramOfColumns(float[] a, int rows, int cols, double[] g) {
                self.addGramOfColumns(a, rows, cols, g);
            }

            @Override
            public void addGramOfRows(float[] a, int rows, int cols, double[] g) {
                self.addGramOfRows(a, rows, cols, g);
            }

            @Override
            public GramPrecision gramPrecision() {
                return self.gramPrecision();
            }

            @Override
            public void multiplyTransposed(float[] w, int out, int in, float[] x, int n, float[] y) {
                self.matmul(w, out, in, x, n, y);
            }

            @Override
            public SymmetricEigen eigen(double[] g, int n) {
                return SpectralCompute.cpu().eigen(g, n);
            }
        };
    }
}
