package org.moelab.mobie;

/**
 * The base binarizer of MoBiE (mobie.md §1): BiLLM (Huang et al., ICML 2024) with ARB-LLM's refinement
 * (Li et al., ICLR 2025), layer-wise and GPTQ-style. W (rows, cols) = (out, in) is processed in blocks
 * of 128 input columns with the Hessian {@code H = (2/T) Σ x xᵀ} of its inputs: dead inputs zeroed, 1 %
 * damping, {@code d_j} the diagonal of the upper Cholesky factor U of H⁻¹. Each block is binarized whole
 * ({@link BlockBinarizer}); then its error {@code Err = (W − Ŵ)/d} is pushed into the later columns,
 * {@code W[:, end:] −= Err · U[block, end:]}. The result is the packed matrix and its dequantized image.
 */
public final class Binarizer {

    /**
     * Paper defaults in {@link #defaults()}.
     *
     * @param blockSize         columns per block (128)
     * @param percDamp          damping as a fraction of mean(diag H) (0.01)
     * @param maxSalientColumns the salient search tries 1..this many columns (50)
     * @param split             split non-salient weights into concentrated/sparse groups (on)
     * @param splitLow          lowest τ quantile (0.10)
     * @param splitHigh         highest τ quantile (0.90)
     * @param splitSteps        τ candidates (81)
     * @param arbIterations     ARB refinement rounds, 0 = off (15)
     * @param exactFeedback     [choice] off: BiLLM's {@code Err = (W − Ŵ)/d} (diagonal of the block's factor
     *                          only); on: the exact OBS compensation of a whole block, {@code Err = (W − Ŵ)·U_BB⁻¹}
     *                          (a triangular solve), which equals BiLLM's when U_BB is diagonal
     */
    public record Options(int blockSize, double percDamp, int maxSalientColumns, boolean split, double splitLow,
                          double splitHigh, int splitSteps, int arbIterations, boolean exactFeedback) {

        public Options {
            if (blockSize < 1 || blockSize > 64 * 64) throw new IllegalArgumentException("block size " + blockSize);
            if (maxSalientColumns < 1) throw new IllegalArgumentException("at least one salient column is searched");
            if (splitSteps < 1 || !(splitLow >= 0 && splitLow <= splitHigh && splitHigh <= 1)) {
                throw new IllegalArgumentException("split quantiles " + splitLow + ".." + splitHigh + " in " + splitSteps + " steps");
            }
        }

        public static Options defaults() {
            return new Options(128, 0.01, 50, true, 0.10, 0.90, 81, 15, false);
        }
    }

    /**
     * @param weights Ŵ (rows, cols), exactly {@code packed.dequantize()}
     * @param loss    Σ_b block error: Σ ω_i (w − ŵ)² / d_j² over all blocks
     */
    public record Result(PackedBinaryMatrix packed, float[] weights, double loss, int deadColumns, int salientColumns) {
    }

    private Binarizer() {
    }

    /**
     * @param w         W (rows, cols)
     * @param hessian   H (cols, cols), or null when no calibration input reached the matrix (U = I)
     * @param rowWeight (rows) ω, or null
     * @param gradient  (rows, cols) loss gradient for GLAS, or null
     * @param lambda    GLAS' λ
     */
    public static Result binarize(float[] w, int rows, int cols, double[] hessian, double[] rowWeight, double[] gradient,
                                  double lambda, Options o) {
        if (w.length != rows * cols) throw new IllegalArgumentException("W has " + w.length + " values, not " + rows + "×" + cols);
        double[] wd = Gemm.toDouble(w);
        HessianInverse.Factor f = HessianInverse.of(hessian, cols, o.percDamp());
        int dead = 0;
        for (int j = 0; j < cols; j++) {
            if (!f.dead()[j]) continue;
            dead++;
            for (int r = 0; r < rows; r++) wd[r * cols + j] = 0;
        }
        double[] u = f.upper();
        PackedBinaryMatrix packed = new PackedBinaryMatrix(rows, cols, o.blockSize());
        double loss = 0;
        int salient = 0;
        for (int b = 0, c0 = 0; c0 < cols; b++, c0 += o.blockSize()) {
            int bw = Math.min(o.blockSize(), cols - c0);
            int c1 = c0 + bw;
            double[] v = new double[rows * bw];
            double[] g = gradient == null ? null : new double[rows * bw];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(wd, r * cols + c0, v, r * bw, bw);
                if (g != null) System.arraycopy(gradient, r * cols + c0, g, r * bw, bw);
            }
            double[] d = new double[bw];
            double[] cw = new double[bw];
            for (int j = 0; j < bw; j++) {
                d[j] = f.d(c0 + j);
                cw[j] = 1 / (d[j] * d[j]);
            }
            double[] s = Glas.saliency(v, rows, bw, d, rowWeight, g, lambda);
            BlockBinarizer.Block blk = BlockBinarizer.binarize(v, rows, bw, cw, rowWeight, s, o);
            packed.put(b, blk);
            loss += blk.error();
            salient += blk.salientCount();
            if (c1 == cols) break;
            double[] err = new double[bw];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < bw; j++) {
                    double e = v[r * bw + j] - blk.approx()[r * bw + j];
                    if (o.exactFeedback()) for (int k = 0; k < j; k++) e -= err[k] * u[(c0 + k) * cols + c0 + j];
                    err[j] = e /= d[j];
                    if (e == 0) continue;
                    int ur = (c0 + j) * cols;
                    int wr = r * cols;
                    for (int k = c1; k < cols; k++) wd[wr + k] -= e * u[ur + k];
                }
            }
        }
        return new Result(packed, packed.dequantize(), loss, dead, salient);
    }
}
