package org.moelab.mobie;

import dev.ludovic.netlib.lapack.LAPACK;
import org.netlib.util.intW;

/**
 * GPTQ's preparation of a layer Hessian (methods.md §2, mobie.md §1) on LAPACK: dead inputs (H_jj = 0)
 * get H_jj = 1 and are reported so their weight column can be zeroed; damping λ = percDamp·mean(diag H);
 * then the upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU), whose diagonal is BiLLM's {@code d_j}. A
 * symmetric matrix reads the same row- and column-major, so LAPACK's column-major lower factor L
 * (A = LLᵀ) is, read row-major, the upper factor U = Lᵀ with A = UᵀU.
 */
final class HessianInverse {

    /**
     * @param upper (n, n) row-major; entries below the diagonal are zero
     * @param dead  input columns that saw no signal
     */
    record Factor(int n, double[] upper, boolean[] dead) {

        double d(int j) {
            return upper[j * n + j];
        }
    }

    private HessianInverse() {
    }

    /** The factor for Hessian {@code h} (n, n); null means no calibration data: U = I. */
    static Factor of(double[] h, int n, double percDamp) {
        boolean[] dead = new boolean[n];
        if (h == null) {
            double[] u = new double[n * n];
            for (int j = 0; j < n; j++) u[j * n + j] = 1;
            return new Factor(n, u, dead);
        }
        double[] a = h.clone();
        double mean = 0;
        for (int j = 0; j < n; j++) {
            if (a[j * n + j] == 0) {
                dead[j] = true;
                a[j * n + j] = 1;
            }
            mean += a[j * n + j];
        }
        double damp = percDamp * mean / n;
        for (int j = 0; j < n; j++) a[j * n + j] += damp;
        LAPACK lapack = LAPACK.getInstance();
        intW info = new intW(0);
        lapack.dpotrf("L", n, a, n, info);
        if (info.val != 0) throw new ArithmeticException("Hessian is not positive definite (dpotrf info " + info.val + ")");
        lapack.dpotri("L", n, a, n, info);
        if (info.val != 0) throw new ArithmeticException("Hessian inverse failed (dpotri info " + info.val + ")");
        // dpotri left H⁻¹ in the column-major lower (= row-major upper) triangle, which is all dpotrf("L") reads.
        lapack.dpotrf("L", n, a, n, info);
        if (info.val != 0) throw new ArithmeticException("H⁻¹ is not positive definite (dpotrf info " + info.val + ")");
        // Column-major lower = row-major upper; clear the stale row-major lower triangle.
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[i * n + j] = 0;
        return new Factor(n, a, dead);
    }
}
