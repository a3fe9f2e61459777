package org.moelab.linalg;

/**
 * How a Gram {@code g += AᵀA} (or {@code A·Aᵀ}) is computed. The accumulator is double either way, so the sum over
 * the experts of a layer (one call each) never loses precision to the float format; the choice is the arithmetic of
 * one call's product.
 * <ul>
 *   <li>{@link #FLOAT}: BLAS {@code ssyrk} on the float input into a float scratch, then added into the double
 *       accumulator. About twice {@code dsyrk}'s speed (0.9× OpenBLAS {@code sgemm} GFLOP/s here, `bench kernels`);
 *       one call's entry is off by at most k·ε_f·Σ|a_i·a_j| (k = the summed dimension, ε_f = 2⁻²⁴), typically
 *       √k·ε_f. The eigensolve stays double, so the basis is orthonormal to double precision and an r = H
 *       reconstruction is exact to fp32 round-off regardless; only the ordering of near-equal eigenvalues can
 *       differ from a double Gram. The default.</li>
 *   <li>{@link #DOUBLE}: BLAS {@code dsyrk} on a double copy of the input: every product exact, sums to ~1e-16.
 *       {@code -Dmoelab.gram=double}.</li>
 * </ul>
 */
public enum GramPrecision {
    FLOAT,
    DOUBLE;

    /** Error budget of one call relative to Σ|a_i·a_j| over the summed dimension k (tests and parity suites). */
    public double relativeBudget(int k) {
        return this == FLOAT ? Math.max(1, k) * 0x1p-24 + 1e-12 : 1e-12;
    }

    /** {@code -Dmoelab.gram=float|double} (default float); anything else is an error naming the choices. */
    public static GramPrecision configured() {
        String v = System.getProperty("moelab.gram", "float").trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "float" -> FLOAT;
            case "double" -> DOUBLE;
            default -> throw new IllegalArgumentException("-Dmoelab.gram=" + v + ": expected float or double");
        };
    }

    /** One line for logs and benchmark headers. */
    public String describe() {
        return this == FLOAT ? "float SYRK per call, double accumulation" : "double SYRK";
    }
}
