package org.moelab.bitsmoe;

import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import org.moelab.runtime.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Does the cost model predict real damage? (methods.md §1.3.) For one MoE layer and a spread of
 * allocations (the optimal plans at several budgets and random ones), the predicted cost Σ_u c_{u,b_u} is
 * compared with the measured output error of the whole layer, Σ_t ‖MoE_q(x_t) − MoE(x_t)‖², on held-out
 * tokens; the report is Spearman's rank correlation between the two.
 *
 * @param predicted (A) predicted cost per allocation
 * @param measured  (A) measured squared output error per allocation
 * @param bits      (A) payload average bits per allocation
 */
public record CostModelCheck(int layer, int tokens, double spearman, double[] predicted, double[] measured, double[] bits) {

    private static final double[] BUDGETS = {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0};

    /**
     * @param costs      the layer's gate, up and down costs (from {@link BitsMoe#layerCosts})
     * @param heldOut    tokens the calibration never saw
     * @param randomOnes random allocations added to the optimal ones
     */
    public static CostModelCheck run(MoeModel model, LayerDecomposition d, List<CostModel.ProjectionCosts> costs,
                                     CalibrationSet heldOut, BitsMoeOptions options, int randomOnes, long seed) {
        int layer = d.layer();
        int hidden = model.config().hidden();
        float[] x = layerInputs(model, layer, heldOut);
        int n = x.length / hidden;
        float[] reference = new float[x.length];
        MoeBlock.dense(model.layers().get(layer).moe()).forward(x, n, reference, layer, null);

        AllocationProblem problem = AllocationProblem.fromProjectionCosts(costs, model.config().expertIntermediate());
        List<byte[]> allocations = new ArrayList<>();
        BitAllocation greedy = new BitAllocation(BitAllocation.Options.defaults().withSolver(BitAllocation.Solver.GREEDY)
                .withCandidates(options.candidates()));
        for (double b : BUDGETS) {
            AllocationPlan p = greedy.allocate(problem, b);
            allocations.add(p.bits());
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] cand = options.candidates();
        for (int a = 0; a < randomOnes; a++) {
            int lo = rnd.nextInt(cand.length);
            int hi = lo + rnd.nextInt(cand.length - lo);
            byte[] bits = new byte[problem.units()];
            for (int u = 0; u < bits.length; u++) bits[u] = (byte) cand[lo + rnd.nextInt(hi - lo + 1)];
            allocations.add(bits);
        }
        double[] predicted = new double[allocations.size()];
        double[] measured = new double[allocations.size()];
        double[] avg = new double[allocations.size()];
        var q = options.quantizer();
        for (int a = 0; a < allocations.size(); a++) {
            byte[] bits = allocations.get(a);
            predicted[a] = problem.costOf(bits);
            avg[a] = problem.averageBits(bits, org.moelab.bitsmoe.allocation.Accounting.PAYLOAD);
            FactorizedExperts[] f = new FactorizedExperts[3];
            int at = 0;
            for (int p = 0; p < 3; p++) {
                var pf = d.projections().get(p);
                int units = pf.experts() * pf.rank();
                f[p] = BitsMoe.packProjection(pf, Arrays.copyOfRange(bits, at, at + units), q);
                at += units;
            }
            QuantizedLayer ql = new QuantizedLayer(layer, d.gate().rank(), hidden, d.gate().basis(), d.up().basis(), d.down().basis(),
                    false, f[0], f[1], f[2]);
            MoeLayer block = ql.block(model.layers().get(layer).moe());
            float[] y = new float[x.length];
            block.forward(x, n, y, layer, null);
            double err = 0;
            for (int i = 0; i < y.length; i++) err += (double) (y[i] - reference[i]) * (y[i] - reference[i]);
            measured[a] = err;
        }
        return new CostModelCheck(layer, n, spearman(predicted, measured), predicted, measured, avg);
    }

    /** The inputs x_t (T, H) of a layer's MoE block over every held-out token, from the FP model. */
    static float[] layerInputs(MoeModel model, int layer, CalibrationSet set) {
        int hidden = model.config().hidden();
        List<float[]> rows = new ArrayList<>();
        InferenceSession s = new Transformer(model).newSession();
        s.setRoutingObserver((l, input, experts, weights) -> {
            if (l == layer) rows.add(input.clone());
        });
        for (int[] seq : set.sequences()) {
            s.reset();
            s.feed(seq);
        }
        float[] x = new float[rows.size() * hidden];
        for (int t = 0; t < rows.size(); t++) System.arraycopy(rows.get(t), 0, x, t * hidden, hidden);
        return x;
    }

    /** Spearman's ρ: Pearson correlation of the ranks (ties get their average rank). */
    public static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (i, j) -> Double.compare(v[i], v[j]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[idx[k]] = avg;
            i = j + 1;
        }
        return r;
    }
}
