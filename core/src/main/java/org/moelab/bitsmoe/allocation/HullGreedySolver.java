package org.moelab.bitsmoe.allocation;

import java.util.PriorityQueue;

/**
 * Convex-hull greedy for the multiple-choice knapsack (methods.md §1.4), optimal for its LP relaxation.
 * <p>
 * Per unit, the lower convex hull of its (bits, cost) points from the smallest allowed size on (points
 * with more bits and no lower cost are already gone). Every unit starts at its smallest size; then the
 * increment with the best slope −Δcost/Δbits over all units is taken while it fits (a priority queue of
 * each unit's next hull increment; hull slopes fall, so this walks the increments in global slope
 * order). The first increment that does not fit is the LP's fractional item: the LP bound is the cost
 * at that moment with that unit a fraction (left bits / increment bits) of the way along its increment.
 * The greedy then keeps taking later increments of other units that still fit (the unit whose increment
 * failed stops), which can only lower its cost.
 */
final class HullGreedySolver {

    /**
     * @param lambda the LP's multiplier of the budget: the slope −Δcost/Δbits of the first increment that did not fit
     *               (0 when every increment fitted)
     */
    record Result(int[] choice, double value, double lpBound, double lambda) {
        /** (greedy − LP bound) / greedy; 0 when the greedy value is 0. */
        double gap() {
            return value > 0 ? Math.max(0, (value - lpBound) / value) : 0;
        }
    }

    private HullGreedySolver() {
    }

    static Result solve(AllocationInstance in, long capBits) {
        int units = in.units;
        // hull[hullStart[u] .. hullStart[u+1]) = flattened choice indices on unit u's lower hull
        int[] hullStart = new int[units + 1];
        int[] hull = new int[in.weight.length];
        int n = 0;
        for (int u = 0; u < units; u++) {
            int base = n;
            for (int i = in.start[u]; i < in.start[u + 1]; i++) {
                // choices are sorted by weight with strictly falling cost; drop the middle of a non-convex turn
                while (n - base >= 2 && !convex(in, hull[n - 2], hull[n - 1], i)) {
                    n--;
                }
                hull[n++] = i;
            }
            hullStart[u + 1] = n;
        }
        int[] at = new int[units];
        long left = capBits;
        for (int u = 0; u < units; u++) {
            at[u] = hullStart[u];
            left -= in.weight[hull[at[u]]];
        }
        double[] slope = new double[units];
        PriorityQueue<Integer> queue = new PriorityQueue<>(Math.max(1, units), (a, b) -> {
            int bySlope = Double.compare(slope[b], slope[a]);
            return bySlope != 0 ? bySlope : Integer.compare(a, b);
        });
        for (int u = 0; u < units; u++) {
            if (at[u] + 1 < hullStart[u + 1]) {
                slope[u] = slope(in, hull[at[u]], hull[at[u] + 1]);
                queue.add(u);
            }
        }
        double lpBound = Double.NaN;
        double lambda = 0;
        while (!queue.isEmpty()) {
            int u = queue.poll();
            int from = hull[at[u]];
            int to = hull[at[u] + 1];
            long dw = in.weight[to] - in.weight[from];
            if (dw <= left) {
                left -= dw;
                at[u]++;
                if (at[u] + 1 < hullStart[u + 1]) {
                    slope[u] = slope(in, hull[at[u]], hull[at[u] + 1]);
                    queue.add(u);
                }
            } else if (Double.isNaN(lpBound)) {
                // The LP optimum: every unit at its current hull point, the failing unit a fraction f
                // of the way to its next one. Summed from the (non-negative) costs rather than as
                // value − f·saving, which cancels catastrophically when costs fall by orders of magnitude.
                // Summed in unit order like the final value, so that f = 0 gives exactly that value.
                lambda = slope[u];
                double f = (double) left / dw;
                lpBound = 0;
                for (int v = 0; v < units; v++) {
                    lpBound += v == u ? (1 - f) * in.cost[from] + f * in.cost[to] : in.cost[hull[at[v]]];
                }
            }
        }
        int[] choice = new int[units];
        double value = 0;
        for (int u = 0; u < units; u++) {
            choice[u] = hull[at[u]];
            value += in.cost[choice[u]];
        }
        if (Double.isNaN(lpBound)) {
            lpBound = value; // every hull increment fitted: the greedy is the unconstrained optimum
        }
        return new Result(choice, value, Math.min(lpBound, value), lambda);
    }

    private static double slope(AllocationInstance in, int from, int to) {
        return (in.cost[from] - in.cost[to]) / (double) (in.weight[to] - in.weight[from]);
    }

    /** True when b lies on or below the segment a–c (so b stays on the lower hull; collinear points give the greedy finer steps). */
    private static boolean convex(AllocationInstance in, int a, int b, int c) {
        double s1 = (in.cost[a] - in.cost[b]) / (double) (in.weight[b] - in.weight[a]);
        double s2 = (in.cost[b] - in.cost[c]) / (double) (in.weight[c] - in.weight[b]);
        return s1 >= s2;
    }
}
