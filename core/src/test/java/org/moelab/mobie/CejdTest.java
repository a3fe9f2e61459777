package org.moelab.mobie;

import org.junit.jupiter.api.Test;
import org.moelab.linalg.SpectralCompute;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CEJD is exact at full precision, keeps column saliency (σ² identity) and moves Hessians/gradients correctly. */
class CejdTest {

    static List<float[]> experts(SplittableRandom rnd, int e, int rows, int cols) {
        float[] common = new float[rows * cols];
        for (int i = 0; i < common.length; i++) common[i] = (float) rnd.nextGaussian();
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < e; k++) {
            float[] w = new float[rows * cols];
            for (int i = 0; i < w.length; i++) w[i] = (float) (0.7 * common[i] + 0.5 * rnd.nextGaussian());
            out.add(w);
        }
        return out;
    }

    static double[] d(float[] a) {
        return Gemm.toDouble(a);
    }

    @Test
    void exactAtFullPrecisionOnEitherSide() {
        SplittableRandom rnd = new SplittableRandom(1);
        int[][] shapes = {{12, 40}, {40, 12}, {7, 7}};
        for (int[] s : shapes) {
            List<float[]> w = experts(rnd, 5, s[0], s[1]);
            for (Cejd.Side side : new Cejd.Side[] {Cejd.Side.OUTPUT, Cejd.Side.INPUT, Cejd.Side.AUTO}) {
                Cejd.Decomposition dec = Cejd.decompose(w, s[0], s[1], side, SpectralCompute.cpu());
                if (side == Cejd.Side.AUTO) {
                    assertEquals(s[0] <= s[1] ? Cejd.Side.OUTPUT : Cejd.Side.INPUT, dec.side(), "the backbone goes on the smaller side");
                }
                assertEquals(Math.min(s[0], s[1]) == s[0] && side != Cejd.Side.INPUT || side == Cejd.Side.OUTPUT ? s[0] : s[1],
                        dec.order());
                for (int e = 0; e < w.size(); e++) {
                    float[] back = dec.reconstruct(dec.backbone(), dec.factors().get(e));
                    double err = 0, norm = 0;
                    for (int i = 0; i < back.length; i++) {
                        err = Math.max(err, Math.abs(back[i] - w.get(e)[i]));
                        norm = Math.max(norm, Math.abs(w.get(e)[i]));
                    }
                    assertTrue(err < 1e-5 * norm, side + " " + s[0] + "×" + s[1] + ": W_e = B·V_eᵀ to round-off, error " + err);
                }
            }
        }
    }

    @Test
    void sigmaSquaredWeightedColumnSaliencyEqualsTheOriginal() {
        // Σ_k σ_k² (V_eᵀ)_kj² = Σ_i (W_e)_ij² since B = UΣ with U orthogonal: column scores survive the change of basis.
        SplittableRandom rnd = new SplittableRandom(2);
        int rows = 16, cols = 48;
        List<float[]> w = experts(rnd, 4, rows, cols);
        Cejd.Decomposition dec = Cejd.decompose(w, rows, cols, Cejd.Side.OUTPUT, SpectralCompute.cpu());
        double[] omega = dec.rowWeights();
        double[] dj = new double[cols];
        for (int j = 0; j < cols; j++) dj[j] = 0.5 + 0.01 * j;
        for (int e = 0; e < w.size(); e++) {
            double[] sv = Glas.saliency(d(dec.factors().get(e)), rows, cols, dj, omega, null, 0);
            double[] sw = Glas.saliency(d(w.get(e)), rows, cols, dj, null, null, 0);
            for (int j = 0; j < cols; j++) {
                double cv = 0, cw = 0, rawV = 0, rawW = 0;
                for (int i = 0; i < rows; i++) {
                    cv += sv[i * cols + j];
                    cw += sw[i * cols + j];
                    rawV += omega[i] * Math.pow(dec.factors().get(e)[i * cols + j], 2);
                    rawW += Math.pow(w.get(e)[i * cols + j], 2);
                }
                assertEquals(rawW, rawV, 1e-4 * rawW, "raw column energy");
                assertEquals(cw, cv, 1e-4 * cw, "normalised column score");
            }
        }
    }

    @Test
    void factorHessianAndGradientFollowTheChainRule() {
        SplittableRandom rnd = new SplittableRandom(3);
        int rows = 9, cols = 6, t = 50;
        List<float[]> w = experts(rnd, 3, rows, cols);
        double[] x = new double[t * cols];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian();
        double[] h = new double[cols * cols];
        Gemm.gemm(true, false, cols, cols, t, 1, x, 0, x, 0, 0, h, 0);
        double[] g = new double[rows * cols];
        for (int i = 0; i < g.length; i++) g[i] = rnd.nextGaussian();
        for (Cejd.Side side : new Cejd.Side[] {Cejd.Side.OUTPUT, Cejd.Side.INPUT}) {
            Cejd.Decomposition dec = Cejd.decompose(w, rows, cols, side, SpectralCompute.cpu());
            // Output error of a factor perturbation ΔF equals tr(ΔF H_F ΔFᵀ) weighted by the row weights.
            double[] df = new double[rows * cols];
            for (int i = 0; i < df.length; i++) df[i] = rnd.nextGaussian();
            float[] dw = dec.reconstruct(dec.backbone(), Gemm.toFloat(df));
            double direct = quad(d(dw), h, rows, cols, null);
            double viaFactor = quad(df, dec.factorHessian(h), rows, cols, dec.rowWeights());
            assertEquals(direct, viaFactor, 1e-4 * direct, side + ": the factor Hessian carries the output error");
            // dL/dF · ΔF = dL/dW · ΔW
            double lhs = 0, rhs = 0;
            double[] gf = dec.factorGradient(g);
            for (int i = 0; i < df.length; i++) {
                lhs += gf[i] * df[i];
                rhs += g[i] * dw[i];
            }
            assertEquals(rhs, lhs, 1e-4 * Math.abs(rhs) + 1e-6, side + ": the factor gradient");
            assertNull(dec.factorGradient(null));
        }
    }

    /** Σ_i ω_i (Δ_i H Δ_iᵀ) over rows. */
    static double quad(double[] delta, double[] h, int rows, int cols, double[] omega) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            double q = 0;
            for (int a = 0; a < cols; a++) for (int b = 0; b < cols; b++) q += delta[r * cols + a] * h[a * cols + b] * delta[r * cols + b];
            s += (omega == null ? 1 : omega[r]) * q;
        }
        return s;
    }

    @Test
    void theBackboneAtEightBitsIsPerRowSymmetric() {
        double[] b = {1.0, -0.5, 0.25, 0.0, 3.0, -3.0, 0.001, 0.002, 0.0};
        double[] q = Cejd.quantizeBackbone(b, 3, 8);
        for (int i = 0; i < 3; i++) {
            double max = 0;
            for (int j = 0; j < 3; j++) max = Math.max(max, Math.abs(b[i * 3 + j]));
            for (int j = 0; j < 3; j++) assertEquals(b[i * 3 + j], q[i * 3 + j], max / 127 / 2 * 1.01);
        }
        assertEquals(9 * 8 + 3 * 16, Cejd.backboneBits(3, 8));
    }
}
