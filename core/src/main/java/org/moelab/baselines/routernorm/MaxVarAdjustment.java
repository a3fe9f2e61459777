package org.moelab.baselines.routernorm;

import org.moelab.baselines.DequantizedExperts;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The MaxVar adjustment of router-norm mixed precision ("Efficient Quantization of Mixture-of-Experts
 * with Theoretical Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4): an expert
 * whose neurons have a large weight variance injects much quantization noise at few bits, so it is moved
 * up in rank.
 * <ul>
 *   <li>MaxVar of expert e: the maximum over neurons (rows of W_g (I, H)) of that row's variance.
 *   Variance with the unbiased n−1 divisor, as {@code torch.var} in the paper's code (the adjustment only
 *   compares ratios, so the divisor does not change the result). The paper's Mixtral script instead
 *   takes the variance of the row with the largest l2 norm: {@link Statistic#VARIANCE_OF_MAX_NORM_ROW}.</li>
 *   <li>One pass with ζ (default 3), as the paper's code runs it: take the experts in reverse of the
 *   router-norm order (fewest bits first); for expert j find, in the current order, the first position k
 *   whose expert has {@code ζ · MaxVar < MaxVar_j}; if j sits below k, move j to position k (the experts
 *   from k on shift down by one). Experts only ever move up.</li>
 * </ul>
 */
public final class MaxVarAdjustment {

    public static final double DEFAULT_ZETA = 3.0;

    public enum Statistic {
        /** max over rows of W_g of the row variance (methods.md §4, the paper's Switch Transformer code). */
        MAX_ROW_VARIANCE,
        /** variance of the row of W_g with the largest l2 norm (the paper's Mixtral code). */
        VARIANCE_OF_MAX_NORM_ROW
    }

    private MaxVarAdjustment() {
    }

    /** The statistic of one gate matrix W_g (rows = I neurons, cols = H). */
    public static double maxVar(float[] gate, int rows, int cols, Statistic statistic) {
        if (gate.length != rows * cols) throw new IllegalArgumentException("gate has " + gate.length + " values, expected " + rows + "×" + cols);
        if (cols < 2) throw new IllegalArgumentException("a row variance needs >= 2 columns");
        double best = Double.NEGATIVE_INFINITY;
        double bestNorm = Double.NEGATIVE_INFINITY;
        double atBestNorm = 0;
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            double sq = 0;
            for (int j = 0; j < cols; j++) {
                double v = gate[r * cols + j];
                mean += v;
                sq += v * v;
            }
            mean /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) {
                double d = gate[r * cols + j] - mean;
                var += d * d;
            }
            var /= cols - 1;
            best = Math.max(best, var);
            if (sq > bestNorm) {
                bestNorm = sq;
                atBestNorm = var;
            }
        }
        return statistic == Statistic.MAX_ROW_VARIANCE ? best : atBestNorm;
    }

    /** (E) MaxVar of every expert of a layer, from the gate projections. */
    public static double[] maxVars(MoeWeights layer, Statistic statistic) {
        double[] out = new double[layer.expertCount()];
        for (int e = 0; e < out.length; e++) {
            ExpertWeights w = layer.experts().get(e);
            out[e] = maxVar(DequantizedExperts.floats(w.gate()), w.intermediate(), w.hidden(), statistic);
        }
        return out;
    }

    /** One ζ pass over {@code order} (expert ids, most bits first); returns the adjusted order. */
    public static int[] adjust(int[] order, double[] maxVar, double zeta) {
        if (maxVar.length != order.length) throw new IllegalArgumentException("MaxVar has " + maxVar.length + " experts, order " + order.length);
        if (!(zeta >= 1)) throw new IllegalArgumentException("ζ must be >= 1, got " + zeta);
        List<Integer> current = new ArrayList<>(Arrays.stream(order).boxed().toList());
        for (int i = order.length - 1; i >= 0; i--) {
            int j = order[i];
            int k = -1;
            for (int p = 0; p < current.size(); p++) {
                if (zeta * maxVar[current.get(p)] < maxVar[j]) {
                    k = p;
                    break;
                }
            }
            int at = current.indexOf(j);
            if (k >= 0 && at > k) {
                current.remove(at);
                current.add(k, j);
            }
        }
        return current.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The router-norm ranking after the ζ pass. */
    public static ExpertRanking adjust(ExpertRanking ranking, double[] maxVar, double zeta) {
        return ranking.withOrder(ranking.criterion() + "+maxvar", adjust(ranking.order(), maxVar, zeta));
    }

    /** Ablation "MaxVar only": experts by descending MaxVar (largest variance → most bits). */
    public static ExpertRanking only(double[] maxVar) {
        return new ExpertRanking("maxvar", maxVar.clone(), ExpertRanking.descending(maxVar));
    }
}
