package org.moelab.bitsmoe.cost;

import org.moelab.Progress;
import org.moelab.compute.Parallel;

/**
 * The BitsMoE activation-aware cost model (methods.md §1.3): for every unit — one spectral component
 * (layer, projection, expert e, direction k) — and every candidate width b, the predicted
 * routing-weighted output error of choosing b:
 * <ul>
 *   <li>gate/up: {@code c = s² · A_{e,k} · ‖u − Q_b(u)‖²} with A the input energy along direction k;</li>
 *   <li>down: {@code c = s² · Σ_i diag(C_z)_i · (v_i − Q_b(v)_i)²} (diagonal approximation [choice]).</li>
 * </ul>
 * The distortion is measured with the real quantizer, never modelled. Experts that calibration left
 * (nearly) empty get their energies floored at {@code floorWeight ×} the layer mean, so they keep a
 * sane allocation instead of being dropped for free.
 */
public final class CostModel {

    /** @param floorWeight fraction of the layer's mean energy given to under-covered experts */
    public record Options(int[] candidates, double floorWeight, long minTokens) {
        public static Options defaults() {
            return new Options(new int[] {0, 1, 2, 3, 4, 8, 16}, 0.1, 1);
        }
    }

    /** Costs of one projection of one layer: (E·r, |B|), unit index e·r + k. */
    public record ProjectionCosts(int layer, String projection, int experts, int rank, int[] candidates, double[] costs) {
        public double cost(int unit, int candidateIndex) {
            return costs[unit * candidates.length + candidateIndex];
        }
    }

    private CostModel() {
    }

    /**
     * gate/up costs.
     *
     * @param scales  (E, r) s_{e,k}
     * @param units   (E, r, I) unit vectors u_{e,k}
     * @param energy  (E, r) A_{e,k}
     * @param tokens  (E) routed calibration tokens per expert (for the floor)
     */
    public static ProjectionCosts inputSide(int layer, String projection, int e, int r, int inter, float[] scales,
                                            float[] units, double[] energy, long[] tokens, UnitQuantizer q, Options o,
                                            Progress progress) {
        double[] a = floored(energy, e, r, tokens, o);
        int nb = o.candidates().length;
        double[] costs = new double[e * r * nb];
        Parallel.forRange(e * r, (long) e * r * inter * 64, (from, to) -> {
            float[] out = new float[inter];
            for (int unit = from; unit < to; unit++) {
                double s2 = (double) scales[unit] * scales[unit];
                for (int bi = 0; bi < nb; bi++) {
                    q.roundTrip(units, unit * inter, inter, o.candidates()[bi], out);
                    double err = 0;
                    for (int i = 0; i < inter; i++) {
                        double d = units[unit * inter + i] - out[i];
                        err += d * d;
                    }
                    costs[unit * nb + bi] = s2 * a[unit] * err;
                }
            }
        });
        progress.update("cost " + projection, layer + 1, layer + 1);
        return new ProjectionCosts(layer, projection, e, r, o.candidates().clone(), costs);
    }

    /**
     * down costs with the diagonal approximation.
     *
     * @param units    (E, r, I) unit rows v_{e,k}
     * @param downDiag (E, I) diag(C_z) per expert
     */
    public static ProjectionCosts outputSide(int layer, int e, int r, int inter, float[] scales, float[] units,
                                             double[] downDiag, long[] tokens, UnitQuantizer q, Options o, Progress progress) {
        double[] c = flooredRows(downDiag, e, inter, tokens, o);
        int nb = o.candidates().length;
        double[] costs = new double[e * r * nb];
        Parallel.forRange(e * r, (long) e * r * inter * 64, (from, to) -> {
            float[] out = new float[inter];
            for (int unit = from; unit < to; unit++) {
                int ex = unit / r;
                double s2 = (double) scales[unit] * scales[unit];
                for (int bi = 0; bi < nb; bi++) {
                    q.roundTrip(units, unit * inter, inter, o.candidates()[bi], out);
                    double err = 0;
                    for (int i = 0; i < inter; i++) {
                        double d = units[unit * inter + i] - out[i];
                        err += c[ex * inter + i] * d * d;
                    }
                    costs[unit * nb + bi] = s2 * err;
                }
            }
        });
        progress.update("cost down", layer + 1, layer + 1);
        return new ProjectionCosts(layer, "down", e, r, o.candidates().clone(), costs);
    }

    /** Energies (E, r) with under-covered experts raised to floorWeight × the layer's per-direction mean. */
    static double[] floored(double[] energy, int e, int r, long[] tokens, Options o) {
        double[] out = energy.clone();
        for (int k = 0; k < r; k++) {
            double mean = 0;
            for (int ex = 0; ex < e; ex++) mean += energy[ex * r + k];
            mean /= e;
            for (int ex = 0; ex < e; ex++) {
                if (tokens[ex] < o.minTokens()) out[ex * r + k] = Math.max(out[ex * r + k], o.floorWeight() * mean);
            }
        }
        return out;
    }

    static double[] flooredRows(double[] diag, int e, int inter, long[] tokens, Options o) {
        return floored(diag, e, inter, tokens, o);
    }
}
