package org.moelab.bitsmoe.allocation;

import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;
import org.ojalgo.optimisation.integer.IntegerStrategy;

import java.time.Duration;
import java.util.List;

/**
 * The allocation ILP of methods.md §1.4 in ojAlgo's {@link ExpressionsBasedModel}: binary x_{u,b}, one
 * row Σ_b x_{u,b} = 1 per unit, the budget row Σ w_{u,b} x_{u,b} ≤ capacity and one such row per layer
 * budget. Minimums and pins are already in each unit's choice list. Weights are shifted by each unit's
 * smallest weight and divided by their gcd, and costs shifted by each unit's cheapest cost and scaled to
 * [0, 1], to keep the coefficients small. ojAlgo's OPTIMAL means optimal within its MIP gap tolerance.
 */
final class MipSolver {

    record Result(int[] choice, Optimisation.State state, double value, Double lpBound, String note) {
    }

    private MipSolver() {
    }

    static Result solve(AllocationInstance in, long capBits, List<AllocationInstance.LayerRow> layers, Duration limit) {
        int units = in.units;
        long g = 0;
        long baseSum = 0;
        double shift = 0;
        double scale = 0;
        for (int u = 0; u < units; u++) {
            int s = in.start[u];
            int e = in.start[u + 1];
            baseSum += in.weight[s];
            shift += in.cost[e - 1];
            for (int i = s + 1; i < e; i++) {
                g = DpSolver.gcd(g, in.weight[i] - in.weight[s]);
            }
            scale = Math.max(scale, in.cost[s] - in.cost[e - 1]);
        }
        g = Math.max(g, 1);
        scale = scale > 0 ? scale : 1;

        ExpressionsBasedModel model = new ExpressionsBasedModel();
        long ms = Math.max(1, limit.toMillis());
        model.options.time_abort = ms;
        model.options.time_suffice = ms;
        Variable[] x = new Variable[in.weight.length];
        int[] index = new int[in.weight.length];
        int next = 0;
        Expression budget = model.addExpression("budget").upper((capBits - baseSum) / g);
        Expression[] layerRows = new Expression[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            AllocationInstance.LayerRow row = layers.get(l);
            long base = 0;
            for (int u : row.units()) {
                base += in.weight[in.start[u]];
            }
            layerRows[l] = model.addExpression("layer_" + row.layer() + "_" + l).upper((row.capacityBits() - base) / g);
        }
        for (int u = 0; u < units; u++) {
            int s = in.start[u];
            int e = in.start[u + 1];
            if (e - s == 1) {
                continue;
            }
            Expression oneHot = model.addExpression("one_" + u).level(1);
            for (int i = s; i < e; i++) {
                x[i] = model.addVariable("x_" + u + "_" + (i - s)).binary()
                        .weight((in.cost[i] - in.cost[e - 1]) / scale);
                index[i] = next++;
                oneHot.set(x[i], 1);
                long w = (in.weight[i] - in.weight[s]) / g;
                if (w != 0) {
                    budget.set(x[i], w);
                }
            }
        }
        for (int l = 0; l < layers.size(); l++) {
            for (int u : layers.get(l).units()) {
                int s = in.start[u];
                for (int i = s + 1; i < in.start[u + 1]; i++) {
                    layerRows[l].set(x[i], (in.weight[i] - in.weight[s]) / g);
                }
            }
        }
        if (next == 0) {
            int[] choice = new int[units];
            for (int u = 0; u < units; u++) {
                choice[u] = in.start[u];
            }
            return new Result(choice, Optimisation.State.OPTIMAL, shift, shift, "every unit has a single allowed width");
        }
        Optimisation.Result r = model.minimise();
        Optimisation.State state = r.getState();
        if (!state.isFeasible()) {
            throw new IllegalStateException("ojAlgo MIP returned " + state + " within " + limit.toMillis() / 1000.0
                    + " s; raise mipTimeLimit, relax the constraints, or use GREEDY/DP without per-layer budgets");
        }
        int[] choice = new int[units];
        double value = 0;
        for (int u = 0; u < units; u++) {
            int s = in.start[u];
            int e = in.start[u + 1];
            int best = s;
            double bestX = -1;
            for (int i = s; i < e && e - s > 1; i++) {
                double xi = r.doubleValue(index[i]);
                if (xi > bestX) {
                    bestX = xi;
                    best = i;
                }
            }
            choice[u] = best;
            value += in.cost[best];
        }
        check(in, choice, capBits, layers);
        Double lpBound = null;
        if (layers.isEmpty()) {
            lpBound = HullGreedySolver.solve(in, capBits).lpBound();
        } else {
            model.relax();
            Optimisation.Result lp = model.minimise();
            if (lp.getState().isOptimal()) {
                lpBound = lp.getValue() * scale + shift;
            }
        }
        String note = "ojAlgo state " + state + (state.isOptimal() ? " = optimal within ojAlgo's MIP gap tolerance ("
                + IntegerStrategy.DEFAULT.getGapTolerance() + ")" : "") + "; gap is measured against the LP relaxation "
                + "(an upper bound on the true gap)" + (lpBound == null ? ", which ojAlgo did not solve" : "");
        return new Result(choice, state, value, lpBound, note);
    }

    /** Re-checks the rounded solution against the exact integer rows (ojAlgo works in floating point). */
    private static void check(AllocationInstance in, int[] choice, long capBits, List<AllocationInstance.LayerRow> layers) {
        long total = 0;
        for (int u = 0; u < in.units; u++) {
            total += in.weight[choice[u]];
        }
        if (total > capBits) {
            throw new IllegalStateException("ojAlgo MIP solution uses " + total + " bits over the budget of " + capBits);
        }
        for (AllocationInstance.LayerRow row : layers) {
            long sum = 0;
            for (int u : row.units()) {
                sum += in.weight[choice[u]];
            }
            if (sum > row.capacityBits()) {
                throw new IllegalStateException("ojAlgo MIP solution uses " + sum + " bits in layer " + row.layer()
                        + ", over its budget of " + row.capacityBits());
            }
        }
    }
}
