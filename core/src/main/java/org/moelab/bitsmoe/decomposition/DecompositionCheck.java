package org.moelab.bitsmoe.decomposition;

import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeWeights;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link SpectralDecomposition#verify} reports per projection: how well the factors rebuild the
 * expert weights, how orthonormal the shared basis is, and whether the spectrum is sorted.
 *
 * @param maxRelativeError    max over experts of ‖W_e − Ŵ_e‖_F / ‖W_e‖_F (fp32 round-off when r = H)
 * @param orthonormalityError max |B·Bᵀ − I| over the (r, H) basis
 * @param ordered             eigenvalues non-increasing and non-negative up to round-off
 */
public record DecompositionCheck(int layer, String projection, int rank, double maxRelativeError,
                                 double orthonormalityError, boolean ordered) {

    static List<DecompositionCheck> of(LayerDecomposition d, MoeWeights moe) {
        List<DecompositionCheck> out = new ArrayList<>();
        for (ProjectionFactors f : d.projections()) {
            double worst = 0;
            for (int e = 0; e < f.experts(); e++) {
                ExpertWeights w = moe.experts().get(e);
                float[] actual = switch (f.projection()) {
                    case "gate" -> w.gate().toFloatArray();
                    case "up" -> w.up().toFloatArray();
                    default -> w.down().toFloatArray();
                };
                worst = Math.max(worst, relativeError(f, e, actual));
            }
            out.add(new DecompositionCheck(d.layer(), f.projection(), f.rank(), worst, orthonormality(f), ordered(f.eigenvalues())));
        }
        return out;
    }

    /** Ŵ_e[i, h] = Σ_k s_{e,k} u_{e,k}[i] v_k[h] (gate/up, W_e (I, H)); Ŵ_e[h, i] = Σ_k s u_k[h] v_{e,k}[i] (down, W_e (H, I)). */
    private static double relativeError(ProjectionFactors f, int e, float[] w) {
        int hidden = f.hidden();
        int inter = f.intermediate();
        double diff = 0;
        double norm = 0;
        double[] row = new double[hidden];
        for (int i = 0; i < inter; i++) {
            java.util.Arrays.fill(row, 0);
            for (int k = 0; k < f.rank(); k++) {
                double c = (double) f.scale(e, k) * f.units()[f.unitOffset(e, k) + i];
                if (c == 0) continue;
                for (int h = 0; h < hidden; h++) row[h] += c * f.basis()[k * hidden + h];
            }
            for (int h = 0; h < hidden; h++) {
                double a = f.outputSide() ? w[h * inter + i] : w[i * hidden + h];
                diff += (a - row[h]) * (a - row[h]);
                norm += a * a;
            }
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    private static double orthonormality(ProjectionFactors f) {
        int hidden = f.hidden();
        double worst = 0;
        for (int a = 0; a < f.rank(); a++) {
            for (int b = a; b < f.rank(); b++) {
                double dot = 0;
                for (int h = 0; h < hidden; h++) dot += (double) f.basis()[a * hidden + h] * f.basis()[b * hidden + h];
                worst = Math.max(worst, Math.abs(dot - (a == b ? 1 : 0)));
            }
        }
        return worst;
    }

    private static boolean ordered(double[] values) {
        double tol = 1e-9 * Math.max(1e-300, Math.abs(values[0]));
        for (int k = 1; k < values.length; k++) if (values[k] > values[k - 1] + tol) return false;
        return values[values.length - 1] >= -tol * values.length;
    }
}
