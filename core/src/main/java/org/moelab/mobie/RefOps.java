package org.moelab.mobie;

/**
 * Elementwise pieces of the reference forward/backward in double, matching {@code org.moelab.runtime}:
 * RMSNorm {@code y = w ⊙ x / sqrt(mean(x²) + eps)}, rotate-half RoPE with {@code θ_i = pos / base^(2i/D)},
 * SiLU. Each forward has its backward next to it.
 */
final class RefOps {

    private RefOps() {
    }

    /** RMSNorm of {@code rows} segments of length {@code len} (stride len); returns 1/rms per segment. */
    static double[] rmsNorm(double[] x, int rows, int len, double[] w, double eps, double[] y) {
        double[] inv = new double[rows];
        for (int r = 0; r < rows; r++) {
            int o = r * len;
            double ss = 0;
            for (int i = 0; i < len; i++) ss += x[o + i] * x[o + i];
            double v = 1 / Math.sqrt(ss / len + eps);
            inv[r] = v;
            for (int i = 0; i < len; i++) y[o + i] = w[i] * x[o + i] * v;
        }
        return inv;
    }

    /** dx += ∂/∂x of RMSNorm given dy, with {@code inv} from the forward. */
    static void rmsNormBack(double[] x, int rows, int len, double[] w, double[] inv, double[] dy, double[] dx) {
        for (int r = 0; r < rows; r++) {
            int o = r * len;
            double v = inv[r];
            double dot = 0;
            for (int i = 0; i < len; i++) dot += w[i] * dy[o + i] * x[o + i];
            double c = v * v * v * dot / len;
            for (int i = 0; i < len; i++) dx[o + i] += v * w[i] * dy[o + i] - c * x[o + i];
        }
    }

    /** cos and sin tables (positions, D/2), computed as {@link org.moelab.runtime.Rope} does. */
    static double[][] ropeTables(int headDim, double base, int positions) {
        int half = headDim / 2;
        double[] cos = new double[positions * half];
        double[] sin = new double[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * (1.0 / Math.pow(base, (2.0 * i) / headDim));
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new double[][] {cos, sin};
    }

    /** Rotates (or, with {@code inverse}, back-propagates through the rotation of) T rows of {@code heads} heads. */
    static void rope(double[] x, int t, int heads, int headDim, double[][] tables, boolean inverse) {
        int half = headDim / 2;
        int width = heads * headDim;
        double[] cos = tables[0], sin = tables[1];
        for (int p = 0; p < t; p++) {
            for (int h = 0; h < heads; h++) {
                int base = p * width + h * headDim;
                for (int i = 0; i < half; i++) {
                    double a = x[base + i], b = x[base + i + half];
                    double c = cos[p * half + i], s = inverse ? -sin[p * half + i] : sin[p * half + i];
                    x[base + i] = a * c - b * s;
                    x[base + i + half] = b * c + a * s;
                }
            }
        }
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    static double silu(double v) {
        return v * sigmoid(v);
    }

    static double siluGrad(double v) {
        double s = sigmoid(v);
        return s * (1 + v * (1 - s));
    }
}
