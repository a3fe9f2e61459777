package org.moelab.bitsmoe.allocation;

import org.moelab.Progress;

/**
 * The exact multiple-choice knapsack when the plain DP table is too large: reduced-cost fixing at the LP multiplier,
 * then the exact DP over the few units left open (the "core" of the problem).
 * <p>
 * With λ ≥ 0 the LP's multiplier of the budget (from the convex-hull greedy) and m_u = min_i (c_i + λ·w_i), every
 * feasible allocation x (Σ w ≤ C) costs at least L + Σ_u r_{x_u}, where L = Σ_u m_u − λ·C is the Lagrangian bound and
 * r_i = c_i + λ·w_i − m_u ≥ 0 the reduced cost of choice i. The greedy's allocation (cost UB) is feasible, so an
 * allocation cheaper than it has Σ_u r_{x_u} < G = UB − L, and every choice with r_i > G (plus a rounding margin)
 * can be struck. Units left with one choice are fixed; the others go to {@link DpSolver} with the budget the fixed
 * ones leave. The greedy's own choices are never struck (their reduced costs sum to at most G), so the DP's answer
 * is never worse than the greedy's and is the optimum of the whole problem.
 */
final class CoreDpSolver {

    /** @param coreUnits units left open for the DP; {@code cells} its table size */
    record Result(int[] choice, double optimum, int coreUnits, long cells) {
    }

    private CoreDpSolver() {
    }

    /** Null when the core's DP would exceed {@code cellLimit} (the caller falls back to the greedy). */
    static Result solve(AllocationInstance in, long capBits, long cellLimit, Progress progress) {
        HullGreedySolver.Result g = HullGreedySolver.solve(in, capBits);
        double lambda = g.lambda();
        int units = in.units;
        double[] best = new double[units];
        double lagrangian = -lambda * capBits;
        double scale = 0;
        for (int u = 0; u < units; u++) {
            double m = Double.POSITIVE_INFINITY;
            for (int i = in.start[u]; i < in.start[u + 1]; i++) m = Math.min(m, in.cost[i] + lambda * in.weight[i]);
            best[u] = m;
            lagrangian += m;
            scale += Math.abs(m);
        }
        // the margin covers the rounding of these sums (relative 1e-12 of their magnitude), never less
        double margin = Math.max(0, g.value() - lagrangian) + 1e-12 * (scale + lambda * capBits + Math.abs(g.value())) + 1e-300;
        boolean[] keep = new boolean[in.weight.length];
        int open = 0;
        long fixedBits = 0;
        double fixedCost = 0;
        int[] choice = new int[units];
        int[] members = new int[units];
        for (int u = 0; u < units; u++) {
            int kept = 0;
            int last = -1;
            for (int i = in.start[u]; i < in.start[u + 1]; i++) {
                if (in.cost[i] + lambda * in.weight[i] - best[u] <= margin || i == g.choice()[u]) {
                    keep[i] = true;
                    kept++;
                    last = i;
                }
            }
            if (kept == 1) {
                choice[u] = last;
                fixedBits += in.weight[last];
                fixedCost += in.cost[last];
            } else {
                members[open++] = u;
            }
        }
        int[] core = java.util.Arrays.copyOf(members, open);
        if (open == 0) return new Result(choice, fixedCost, 0, 0);
        AllocationInstance sub = in.restrict(core, keep);
        long cells = DpSolver.cells(sub, capBits - fixedBits);
        if (cells > cellLimit) return null;
        DpSolver.Result r = DpSolver.solve(sub, capBits - fixedBits, cellLimit, progress);
        // map the sub-instance's flattened choices back to the full instance's
        for (int m = 0; m < open; m++) {
            int u = core[m];
            int local = r.choice()[m] - sub.start[m];
            int seen = -1;
            for (int i = in.start[u]; i < in.start[u + 1]; i++) {
                if (keep[i] && ++seen == local) {
                    choice[u] = i;
                    break;
                }
            }
        }
        double total = 0;
        for (int u = 0; u < units; u++) total += in.cost[choice[u]];
        return new Result(choice, total, open, r.cells());
    }
}
