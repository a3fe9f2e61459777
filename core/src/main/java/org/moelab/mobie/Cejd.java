package org.moelab.mobie;

import org.moelab.linalg.SpectralCompute;
import org.moelab.linalg.SymmetricEigen;

import java.util.ArrayList;
import java.util.List;

/**
 * CEJD, cross-expert joint decomposition (MoBiE, arXiv 2604.06798; mobie.md §2). All E experts of one
 * layer and projection are factored jointly through the Gram matrix of their concatenation, so a
 * shared high-precision backbone B carries the common structure and only the per-expert factor is binarized:
 * <ul>
 *   <li>{@link Side#OUTPUT} (backbone on the output side, m = rows): {@code W_cat = [W_1 | … | W_E] = U Σ Vᵀ}
 *       through {@code G = Σ_e W_e W_eᵀ = U Λ Uᵀ}, σ = √λ; {@code W_e = B · V_eᵀ} with {@code B = U Σ} (m, m)
 *       and {@code V_eᵀ = Σ⁻¹ Uᵀ W_e} (m, n). As U is orthogonal, {@code ‖B ΔV_eᵀ x‖² = Σ_k σ_k² (ΔV_eᵀ x)_k²}:
 *       the rows of V_eᵀ are weighted by σ² ({@link #rowWeights}).</li>
 *   <li>{@link Side#INPUT} (backbone on the input side, n = cols): {@code [W_1; …; W_E] = Ũ Σ Vᵀ} through
 *       {@code G = Σ_e W_eᵀ W_e}; {@code W_e = Ũ_e · B} with {@code B = Σ Vᵀ} (n, n) and
 *       {@code Ũ_e = W_e V Σ⁻¹} (m, n). Ũ_e reads the latent input {@code B x}, whose Hessian is
 *       {@code B H Bᵀ} ({@link #factorHessian}), which carries the σ² weighting itself.</li>
 * </ul>
 * {@link Side#AUTO} puts the backbone on the smaller side [choice]: (I, I) for the gate/up and down
 * projections of fine-grained experts (I ≪ H). Directions with σ ≤ 1e-7·σ_max get a zero factor row
 * (column), which leaves {@code W_e} exact to round-off since they carry no energy.
 */
public final class Cejd {

    public enum Side { OUTPUT, INPUT, AUTO }

    static final double SIGMA_FLOOR = 1e-7;

    /**
     * @param backbone (k, k) B, exact (double), k = rows for OUTPUT, cols for INPUT
     * @param sigma    (k) singular values, descending
     * @param factors  E × (rows, cols): V_eᵀ (OUTPUT) or Ũ_e (INPUT)
     */
    public record Decomposition(Side side, int rows, int cols, double[] backbone, double[] sigma, List<float[]> factors) {

        public int order() {
            return sigma.length;
        }

        /** {@code W_e = B·F} (OUTPUT) or {@code F·B} (INPUT) for a factor F (rows, cols) and backbone (k, k). */
        public float[] reconstruct(double[] b, float[] factor) {
            double[] f = Gemm.toDouble(factor);
            double[] w = new double[rows * cols];
            if (side == Side.OUTPUT) Gemm.gemm(false, false, rows, cols, rows, 1, b, 0, f, 0, 0, w, 0);
            else Gemm.gemm(false, false, rows, cols, cols, 1, f, 0, b, 0, 0, w, 0);
            return Gemm.toFloat(w);
        }

        /** σ² per factor row (OUTPUT), null (INPUT: the weighting lives in {@link #factorHessian}). */
        public double[] rowWeights() {
            if (side == Side.INPUT) return null;
            double[] w = new double[rows];
            for (int k = 0; k < rows; k++) w[k] = sigma[k] * sigma[k];
            return w;
        }

        /** The Hessian of the factor's input from that of W's input h (cols, cols): h (OUTPUT) or B h Bᵀ (INPUT). */
        public double[] factorHessian(double[] h) {
            if (h == null || side == Side.OUTPUT) return h;
            double[] t = new double[cols * cols];
            Gemm.gemm(false, false, cols, cols, cols, 1, backbone, 0, h, 0, 0, t, 0);
            double[] out = new double[cols * cols];
            Gemm.gemm(false, true, cols, cols, cols, 1, t, 0, backbone, 0, 0, out, 0);
            return out;
        }

        /** The loss gradient w.r.t. the factor from G_W (rows, cols): Bᵀ G_W (OUTPUT) or G_W Bᵀ (INPUT). */
        public double[] factorGradient(double[] g) {
            if (g == null) return null;
            double[] out = new double[rows * cols];
            if (side == Side.OUTPUT) Gemm.gemm(true, false, rows, cols, rows, 1, backbone, 0, g, 0, 0, out, 0);
            else Gemm.gemm(false, true, rows, cols, cols, 1, g, 0, backbone, 0, 0, out, 0);
            return out;
        }
    }

    private Cejd() {
    }

    static Side resolve(Side side, int rows, int cols) {
        if (side != Side.AUTO) return side;
        return rows <= cols ? Side.OUTPUT : Side.INPUT;
    }

    /** Factors the E matrices W_e (rows, cols) of one layer and projection. */
    public static Decomposition decompose(List<float[]> experts, int rows, int cols, Side side, SpectralCompute sc) {
        Side s = resolve(side, rows, cols);
        int k = s == Side.OUTPUT ? rows : cols;
        double[] g = new double[k * k];
        for (float[] w : experts) {
            if (s == Side.OUTPUT) sc.addGramOfRows(w, rows, cols, g);
            else sc.addGramOfColumns(w, rows, cols, g);
        }
        SymmetricEigen eig = sc.eigen(g, k);
        double[] sigma = new double[k];
        double[] inv = new double[k];
        for (int i = 0; i < k; i++) sigma[i] = Math.sqrt(Math.max(0, eig.values()[i]));
        for (int i = 0; i < k; i++) inv[i] = sigma[i] > SIGMA_FLOOR * sigma[0] ? 1 / sigma[i] : 0;
        double[] e = eig.vectors(); // row i = eigenvector i
        double[] b = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                // OUTPUT: B = U Σ, B[j][i] = u_i[j] σ_i;  INPUT: B = Σ Vᵀ, B[i][j] = σ_i v_i[j]
                if (s == Side.OUTPUT) b[j * k + i] = e[i * k + j] * sigma[i];
                else b[i * k + j] = sigma[i] * e[i * k + j];
            }
        }
        List<float[]> factors = new ArrayList<>();
        for (float[] wf : experts) {
            double[] w = Gemm.toDouble(wf);
            double[] f = new double[rows * cols];
            if (s == Side.OUTPUT) {
                Gemm.gemm(false, false, rows, cols, rows, 1, e, 0, w, 0, 0, f, 0); // Uᵀ W
                for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) f[i * cols + j] *= inv[i];
            } else {
                Gemm.gemm(false, true, rows, cols, cols, 1, w, 0, e, 0, 0, f, 0); // W V
                for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) f[i * cols + j] *= inv[j];
            }
            factors.add(Gemm.toFloat(f));
        }
        return new Decomposition(s, rows, cols, b, sigma, factors);
    }

    /**
     * The backbone at {@code bits} per-row symmetric [choice: 8]: {@code q = rint(b / s)} with
     * {@code s = max|row| / (2^(bits−1) − 1)} stored as fp16. Returns the dequantized (k, k) matrix.
     */
    public static double[] quantizeBackbone(double[] b, int k, int bits) {
        return Backbone.quantize(b, k, bits).dequantize();
    }

    /**
     * A backbone as stored: codes (k, k), |q| ≤ 2^(bits−1) − 1, and one fp16 scale per row (k); the matrix is
     * {@code q[i][j] · scale[i]}, exact in float as well as in double (an 8-bit code times an 11-bit fp16
     * significand), so {@link #weights()} is bit-identical however it is rebuilt.
     */
    public static final class Backbone {

        private final int k;
        private final int bits;
        private final byte[] codes;   // (k, k)
        private final short[] scales; // (k) fp16
        private final float[] weights; // (k, k) q · scale

        public Backbone(int k, int bits, byte[] codes, short[] scales) {
            if (k < 1 || bits < 2 || bits > 8) throw new IllegalArgumentException("backbone order " + k + " at " + bits + " bits");
            if (codes.length != k * k || scales.length != k) {
                throw new IllegalArgumentException("backbone tables of " + codes.length + " codes and " + scales.length
                        + " scales do not make a (" + k + ", " + k + ") matrix");
            }
            int levels = (1 << (bits - 1)) - 1;
            this.k = k;
            this.bits = bits;
            this.codes = codes;
            this.scales = scales;
            this.weights = new float[k * k];
            for (int i = 0; i < k; i++) {
                float s = Float.float16ToFloat(scales[i]);
                if (!Float.isFinite(s)) throw new IllegalArgumentException("backbone row " + i + " has scale " + s);
                for (int j = 0; j < k; j++) {
                    int q = codes[i * k + j];
                    if (Math.abs(q) > levels) throw new IllegalArgumentException("backbone code " + q + " exceeds ±" + levels);
                    weights[i * k + j] = (float) (q * (double) s);
                }
            }
        }

        /** Quantizes B (k, k) per row, symmetric, at {@code bits}. */
        public static Backbone quantize(double[] b, int k, int bits) {
            int levels = (1 << (bits - 1)) - 1;
            byte[] codes = new byte[k * k];
            short[] scales = new short[k];
            for (int i = 0; i < k; i++) {
                double max = 0;
                for (int j = 0; j < k; j++) max = Math.max(max, Math.abs(b[i * k + j]));
                if (max == 0) continue;
                scales[i] = Float.floatToFloat16((float) (max / levels));
                double scale = Float.float16ToFloat(scales[i]);
                for (int j = 0; j < k; j++) codes[i * k + j] = (byte) Math.max(-levels, Math.min(levels, Math.rint(b[i * k + j] / scale)));
            }
            return new Backbone(k, bits, codes, scales);
        }

        public int order() {
            return k;
        }

        public int bits() {
            return bits;
        }

        /** The codes (k, k), row-major; do not modify. */
        public byte[] codes() {
            return codes;
        }

        /** The fp16 row scales (k); do not modify. */
        public short[] scales() {
            return scales;
        }

        /** The matrix (k, k) the inference uses; do not modify. */
        public float[] weights() {
            return weights;
        }

        public double[] dequantize() {
            double[] out = new double[k * k];
            for (int i = 0; i < k * k; i++) out[i] = weights[i];
            return out;
        }
    }

    /** Storage of a (k, k) backbone at {@code bits}: the codes plus one fp16 scale per row. */
    public static long backboneBits(int k, int bits) {
        return (long) k * k * bits + k * 16L;
    }
}
