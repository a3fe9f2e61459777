package org.moelab.baselines;

/**
 * GPTQ on one weight matrix (Frantar et al., "GPTQ: Accurate Post-Training Quantization for Generative
 * Pre-trained Transformers", ICLR 2023; methods.md §2). W is (rows, cols) = (out, in); the Hessian
 * {@code H = 2XXᵀ/n} (cols, cols) comes from the layer's calibration inputs. Steps: dead inputs
 * (H_ii = 0) get their column zeroed and H_ii = 1; damping λ = percdamp·mean(diag H); optional
 * act-order (columns by descending H_ii, with static groups: group parameters fixed from the original
 * column order before any update); upper Cholesky factor of H⁻¹; columns in blocks of 128 with the
 * error {@code e = (w − q)/Hinv_jj} pushed into the rest of the block, and lazily into later blocks.
 */
public final class Gptq {

    /** @param percDamp λ as a fraction of mean(diag H) (paper: 0.01) */
    public record Options(int bits, int groupSize, boolean symmetric, double percDamp, boolean actOrder, int blockSize) {
        public static Options defaults(int bits) {
            return new Options(bits, 128, false, 0.01, true, 128);
        }
    }

    /** ŵ and the GPTQ loss Σ (w − q)² / Hinv_jj² / 2 (the proxy for the output error it minimises). */
    public record Result(float[] weights, double loss, int deadColumns) {
    }

    private Gptq() {
    }

    public static Result quantize(float[] w, int rows, int cols, double[] hessian, Options o) {
        MinMaxGroupQuantizer q = new MinMaxGroupQuantizer(o.bits(), o.groupSize(), o.symmetric());
        double[] h = hessian.clone();
        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) wd[i] = w[i];
        int dead = 0;
        for (int j = 0; j < cols; j++) {
            if (h[j * cols + j] == 0) {
                h[j * cols + j] = 1;
                for (int r = 0; r < rows; r++) wd[r * cols + j] = 0;
                dead++;
            }
        }
        // Static groups: parameters from the original (unpermuted, un-updated) weights.
        MinMaxGroupQuantizer.Params[] groups = new MinMaxGroupQuantizer.Params[rows * ((cols + o.groupSize() - 1) / o.groupSize())];
        int groupsPerRow = (cols + o.groupSize() - 1) / o.groupSize();
        float[] rowBuf = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) rowBuf[j] = (float) wd[r * cols + j];
            for (int g = 0; g < groupsPerRow; g++) {
                groups[r * groupsPerRow + g] = q.params(rowBuf, g * o.groupSize(), Math.min(o.groupSize(), cols - g * o.groupSize()));
            }
        }
        int[] perm = new int[cols];
        for (int j = 0; j < cols; j++) perm[j] = j;
        if (o.actOrder()) {
            double[] diag = new double[cols];
            for (int j = 0; j < cols; j++) diag[j] = h[j * cols + j];
            perm = java.util.stream.IntStream.range(0, cols).boxed()
                    .sorted((a, b) -> Double.compare(diag[b], diag[a])).mapToInt(Integer::intValue).toArray();
        }
        double[] hp = new double[cols * cols];
        double[] wp = new double[rows * cols];
        for (int a = 0; a < cols; a++) {
            for (int b = 0; b < cols; b++) hp[a * cols + b] = h[perm[a] * cols + perm[b]];
            for (int r = 0; r < rows; r++) wp[r * cols + a] = wd[r * cols + perm[a]];
        }
        double mean = 0;
        for (int j = 0; j < cols; j++) mean += hp[j * cols + j];
        double damp = o.percDamp() * mean / cols;
        for (int j = 0; j < cols; j++) hp[j * cols + j] += damp;
        double[] hinv = Cholesky.upperFactorOfInverse(hp, cols);
        double[] qw = new double[rows * cols];
        double loss = 0;
        int bs = o.blockSize();
        for (int i1 = 0; i1 < cols; i1 += bs) {
            int i2 = Math.min(i1 + bs, cols);
            double[] err = new double[rows * (i2 - i1)];
            for (int j = i1; j < i2; j++) {
                double d = hinv[j * cols + j];
                int orig = perm[j];
                MinMaxGroupQuantizer.Params p = groups[0]; // replaced per row below
                for (int r = 0; r < rows; r++) {
                    p = groups[r * groupsPerRow + orig / o.groupSize()];
                    double wv = wp[r * cols + j];
                    double qv = q.quantize((float) wv, p);
                    qw[r * cols + j] = qv;
                    double e = (wv - qv) / d;
                    loss += (wv - qv) * (wv - qv) / (d * d) / 2;
                    err[r * (i2 - i1) + (j - i1)] = e;
                    for (int k = j + 1; k < i2; k++) wp[r * cols + k] -= e * hinv[j * cols + k];
                }
            }
            // Lazy batch update of all later columns with this block's errors.
            for (int r = 0; r < rows; r++) {
                for (int j = i1; j < i2; j++) {
                    double e = err[r * (i2 - i1) + (j - i1)];
                    if (e == 0) continue;
                    for (int k = i2; k < cols; k++) wp[r * cols + k] -= e * hinv[j * cols + k];
                }
            }
        }
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int a = 0; a < cols; a++) out[r * cols + perm[a]] = (float) qw[r * cols + a];
        }
        return new Result(out, loss, dead);
    }
}
