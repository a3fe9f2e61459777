package org.moelab.baselines;

/**
 * The RTN/GPTQ quantizer (methods.md §2–§3): per group of g consecutive input columns of a row,
 * asymmetric min-max with the range forced to include 0: {@code scale = (max − min)/(2^b − 1)},
 * {@code zero = rint(−min/scale)}, {@code q = clamp(rint(w/scale) + zero, 0, 2^b − 1)},
 * {@code ŵ = (q − zero)·scale}. The symmetric option uses {@code scale = absmax/(2^{b−1} − 1)} and no zero
 * point ({@code q ∈ [−2^{b−1}+1, 2^{b−1}−1]}). Rounding is ties-to-even ({@link Math#rint}).
 */
public record MinMaxGroupQuantizer(int bits, int groupSize, boolean symmetric) {

    public MinMaxGroupQuantizer {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits must be 1..8, got " + bits);
        if (groupSize < 1) throw new IllegalArgumentException("group size must be >= 1, got " + groupSize);
        if (symmetric && bits < 2) throw new IllegalArgumentException("symmetric quantization needs >= 2 bits");
    }

    /** Scale and zero point of one group; ŵ = (q − zero)·scale. */
    public record Params(float scale, float zero) {
    }

    public Params params(float[] w, int off, int len) {
        float min = 0;
        float max = 0;
        for (int i = 0; i < len; i++) {
            min = Math.min(min, w[off + i]);
            max = Math.max(max, w[off + i]);
        }
        if (symmetric) {
            float absmax = Math.max(-min, max);
            float scale = absmax == 0 ? 1 : absmax / ((1 << (bits - 1)) - 1);
            return new Params(scale, 0);
        }
        if (max == min) return new Params(1, (float) Math.rint(-min));
        float scale = (max - min) / ((1 << bits) - 1);
        return new Params(scale, (float) Math.rint(-min / scale));
    }

    /** ŵ for one value under the given group parameters. */
    public float quantize(float w, Params p) {
        if (symmetric) {
            int qmax = (1 << (bits - 1)) - 1;
            float q = (float) Math.max(-qmax, Math.min(qmax, Math.rint(w / p.scale())));
            return q * p.scale();
        }
        float q = (float) Math.max(0, Math.min((1 << bits) - 1, Math.rint(w / p.scale()) + p.zero()));
        return (q - p.zero()) * p.scale();
    }

    /** Round-to-nearest of a whole (rows, cols) matrix, groups along each row; returns ŵ. */
    public float[] roundToNearest(float[] w, int rows, int cols) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < cols; g += groupSize) {
                int len = Math.min(groupSize, cols - g);
                Params p = params(w, r * cols + g, len);
                for (int i = 0; i < len; i++) out[r * cols + g + i] = quantize(w[r * cols + g + i], p);
            }
        }
        return out;
    }
}
