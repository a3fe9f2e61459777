package org.moelab.baselines;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptqTest {

    static float[] randomWeights(int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05);
        return w;
    }

    /** X (n, cols): correlated when mix > 0 (a shared latent factor in every column). */
    static double[][] inputs(int n, int cols, double mix, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][cols];
        for (int t = 0; t < n; t++) {
            double z = r.nextGaussian();
            for (int j = 0; j < cols; j++) x[t][j] = (1 - mix) * r.nextGaussian() + mix * z * (1 + j % 3);
        }
        return x;
    }

    static double[] hessian(double[][] x, int cols) {
        double[] h = new double[cols * cols];
        for (double[] row : x) for (int a = 0; a < cols; a++) for (int b = 0; b < cols; b++) h[a * cols + b] += 2 * row[a] * row[b] / x.length;
        return h;
    }

    /** ‖(W − Ŵ)Xᵀ‖² / n: the output error GPTQ minimises. */
    static double outputError(float[] w, float[] q, int rows, int cols, double[][] x) {
        double s = 0;
        for (double[] row : x) {
            for (int r = 0; r < rows; r++) {
                double d = 0;
                for (int j = 0; j < cols; j++) d += (w[r * cols + j] - q[r * cols + j]) * row[j];
                s += d * d;
            }
        }
        return s / x.length;
    }

    @Test
    void isotropicInputsGiveRoundToNearest() {
        int rows = 16;
        int cols = 64;
        float[] w = randomWeights(rows, cols, 1);
        double[] h = new double[cols * cols];
        for (int j = 0; j < cols; j++) h[j * cols + j] = 2.0;
        for (boolean actOrder : new boolean[] {false, true}) {
            Gptq.Options o = new Gptq.Options(3, 32, false, 0.01, actOrder, 16);
            float[] g = Gptq.quantize(w, rows, cols, h, o).weights();
            float[] rtn = new MinMaxGroupQuantizer(3, 32, false).roundToNearest(w, rows, cols);
            assertArrayEquals(rtn, g, 1e-6f, "no correlation, no error to push: GPTQ is RTN");
        }
    }

    @Test
    void correlatedInputsBeatRoundToNearest() {
        int rows = 24;
        int cols = 96;
        float[] w = randomWeights(rows, cols, 2);
        double[][] x = inputs(400, cols, 0.8, 3);
        double[] h = hessian(x, cols);
        for (int bits : new int[] {2, 3, 4}) {
            for (boolean actOrder : new boolean[] {false, true}) {
                float[] g = Gptq.quantize(w, rows, cols, h, new Gptq.Options(bits, 32, false, 0.01, actOrder, 32)).weights();
                float[] rtn = new MinMaxGroupQuantizer(bits, 32, false).roundToNearest(w, rows, cols);
                double eg = outputError(w, g, rows, cols, x);
                double er = outputError(w, rtn, rows, cols, x);
                assertTrue(eg < er, bits + " bits, act-order " + actOrder + ": GPTQ " + eg + " vs RTN " + er);
            }
        }
    }

    /** With act-order and static groups every value still lies on its own original group's grid. */
    @Test
    void actOrderKeepsTheGroupStructure() {
        int rows = 8;
        int cols = 64;
        float[] w = randomWeights(rows, cols, 4);
        double[] h = hessian(inputs(300, cols, 0.5, 5), cols);
        MinMaxGroupQuantizer q = new MinMaxGroupQuantizer(3, 16, false);
        float[] g = Gptq.quantize(w, rows, cols, h, new Gptq.Options(3, 16, false, 0.01, true, 16)).weights();
        for (int r = 0; r < rows; r++) {
            for (int grp = 0; grp < cols / 16; grp++) {
                MinMaxGroupQuantizer.Params p = q.params(w, r * cols + grp * 16, 16);
                for (int i = 0; i < 16; i++) {
                    float v = g[r * cols + grp * 16 + i];
                    double level = v / p.scale() + p.zero();
                    assertEquals(Math.rint(level), level, 1e-3, "on the static grid of its group");
                    assertTrue(level >= -1e-3 && level <= 7 + 1e-3);
                }
            }
        }
    }

    @Test
    void deadColumnsAreZeroedAndCounted() {
        int rows = 4;
        int cols = 8;
        float[] w = randomWeights(rows, cols, 6);
        double[][] x = inputs(50, cols, 0.3, 7);
        for (double[] row : x) row[3] = 0;
        Gptq.Result res = Gptq.quantize(w, rows, cols, hessian(x, cols), new Gptq.Options(4, 8, false, 0.01, false, 4));
        assertEquals(1, res.deadColumns());
        for (int r = 0; r < rows; r++) assertEquals(0f, res.weights()[r * cols + 3]);
    }

    @Test
    void minMaxQuantizerByHand() {
        // w = [-1, 0.5, 2, 0.2], 2 bits: min -1, max 2 → scale 3/3 = 1, zero = rint(1) = 1.
        // q = clamp(rint(w) + 1, 0, 3) = [0, rint(0.5)=0 → 1, 3, 1] → ŵ = [-1, 0, 2, 0].
        float[] out = new MinMaxGroupQuantizer(2, 4, false).roundToNearest(new float[] {-1, 0.5f, 2, 0.2f}, 1, 4);
        assertArrayEquals(new float[] {-1, 0, 2, 0}, out);
        // Symmetric 3 bits: absmax 3 → scale 1, q = clamp(rint(w), -3, 3): 2.5 ties to even → 2.
        float[] sym = new MinMaxGroupQuantizer(3, 4, true).roundToNearest(new float[] {2.5f, -3, 1.4f, 0}, 1, 4);
        assertArrayEquals(new float[] {2, -3, 1, 0}, sym);
    }
}
