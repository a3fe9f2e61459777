package org.moelab.runtime;

/**
 * Rotary position embedding, rotate-half style (as in Hugging Face Llama/Qwen/Mixtral):
 * {@code x' = x·cos + rotate_half(x)·sin} with {@code rotate_half([a, b]) = [-b, a]} over the two halves
 * of each head, {@code θ_i = pos / base^(2i/D)}. Tables are computed in double.
 */
public final class Rope {

    private final int headDim;
    private final float[] cos; // (maxPos, D/2)
    private final float[] sin; // (maxPos, D/2)

    public Rope(int headDim, double base, int maxPositions) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head_dim, got " + headDim);
        this.headDim = headDim;
        int half = headDim / 2;
        cos = new float[maxPositions * half];
        sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(base, (2.0 * i) / headDim);
                double angle = p * invFreq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int maxPositions() {
        return cos.length / (headDim / 2);
    }

    /** Rotates {@code heads} consecutive heads of x starting at {@code off}, at position {@code pos}. */
    public void apply(float[] x, int off, int heads, int pos) {
        int half = headDim / 2;
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[base + i];
                float b = x[base + i + half];
                float c = cos[t + i];
                float s = sin[t + i];
                x[base + i] = a * c - b * s;
                x[base + i + half] = b * c + a * s;
            }
        }
    }
}
