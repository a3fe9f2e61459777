package org.moelab.baselines.routernorm;

import org.moelab.baselines.DequantizedExperts;
import org.moelab.model.MoeWeights;

/**
 * Router-norm expert scores of one MoE layer ("Efficient Quantization of Mixture-of-Experts with
 * Theoretical Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4). The score of
 * expert e is the change of its router row's l2 norm during training,
 * {@code Λ_e = ‖w_e,final‖ − ‖w_e,init‖}; experts are ranked ascending (smallest change first → most
 * bits). Released checkpoints have no initial router, so by default ({@link Score#FINAL_NORM},
 * **[choice]**, as the paper's Mixtral code does) the score is the final norm {@code ‖w_e‖}; given a second
 * checkpoint of the same lineage (base → fine-tuned) it is the signed difference of the two norms
 * ({@link Score#NORM_CHANGE}, the paper's Switch Transformer setting).
 */
public final class RouterNormRanking {

    public enum Score {
        /** {@code ‖w_e,final‖}: one checkpoint. */
        FINAL_NORM,
        /** {@code ‖w_e,final‖ − ‖w_e,init‖}: two checkpoints, init = the earlier one (e.g. the base model). */
        NORM_CHANGE
    }

    private RouterNormRanking() {
    }

    /** l2 norm of each router row; router (E, H) row-major. Returns (E). */
    public static double[] rowNorms(float[] router, int experts, int hidden) {
        if (router.length != experts * hidden) {
            throw new IllegalArgumentException("router has " + router.length + " values, expected (E, H) = (" + experts + ", " + hidden + ")");
        }
        double[] n = new double[experts];
        for (int e = 0; e < experts; e++) {
            double s = 0;
            for (int j = 0; j < hidden; j++) {
                double v = router[e * hidden + j];
                s += v * v;
            }
            n[e] = Math.sqrt(s);
        }
        return n;
    }

    /** Ranking by the final norm {@code ‖w_e‖} ascending; router (E, H). */
    public static ExpertRanking finalNorm(float[] router, int experts, int hidden) {
        double[] s = rowNorms(router, experts, hidden);
        return new ExpertRanking("router-norm", s, ExpertRanking.ascending(s));
    }

    /** Ranking by {@code ‖w_e,final‖ − ‖w_e,init‖} ascending; both routers (E, H). */
    public static ExpertRanking normChange(float[] finalRouter, float[] initialRouter, int experts, int hidden) {
        double[] f = rowNorms(finalRouter, experts, hidden);
        double[] i = rowNorms(initialRouter, experts, hidden);
        double[] s = new double[experts];
        for (int e = 0; e < experts; e++) s[e] = f[e] - i[e];
        return new ExpertRanking("router-norm-change", s, ExpertRanking.ascending(s));
    }

    /** The layer's ranking: {@link Score#NORM_CHANGE} when {@code initial} is given, else {@link Score#FINAL_NORM}. */
    public static ExpertRanking of(MoeWeights finalLayer, MoeWeights initial) {
        int e = finalLayer.expertCount();
        int h = finalLayer.router().cols();
        float[] fin = DequantizedExperts.floats(finalLayer.router());
        if (initial == null) return finalNorm(fin, e, h);
        if (initial.expertCount() != e || initial.router().cols() != h) {
            throw new IllegalArgumentException("initial router is (" + initial.expertCount() + ", " + initial.router().cols()
                    + "), final is (" + e + ", " + h + "): not the same lineage");
        }
        return normChange(fin, DequantizedExperts.floats(initial.router()), e, h);
    }
}
