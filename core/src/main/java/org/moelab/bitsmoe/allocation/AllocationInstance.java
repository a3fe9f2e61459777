package org.moelab.bitsmoe.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One allocation problem prepared for the solvers in one accounting mode: each unit's allowed widths
 * (options' candidates ∩ minimums ∩ pins), their bit weights in the mode, dominated choices removed,
 * and the budget in integer bits. Package-private: the solvers' common input.
 */
final class AllocationInstance {

    final AllocationProblem problem;
    final Accounting mode;
    final int units;
    /** (U+1) offsets into the flattened choice arrays below; a unit's choices are sorted by weight, costs strictly falling. */
    final int[] start;
    final int[] column;   // candidate column in problem.costs
    final long[] weight;  // bits of the choice in mode (fixed overhead excluded)
    final double[] cost;  // c_{u,b}
    /** Σ_u of the smallest / largest allowed weight (before pruning), fixed overhead excluded. */
    final long minBitsSum;
    final long maxBitsSum;
    /** (U) largest allowed weight of each unit before pruning (the smallest is weight[start[u]]). */
    final long[] maxWeight;
    final double fixedBits;
    final boolean restricted;

    private AllocationInstance(AllocationProblem problem, Accounting mode, int[] start, int[] column, long[] weight,
                               double[] cost, long minBitsSum, long maxBitsSum, long[] maxWeight, boolean restricted) {
        this(problem, mode, problem.units(), start, column, weight, cost, minBitsSum, maxBitsSum, maxWeight, restricted);
    }

    private AllocationInstance(AllocationProblem problem, Accounting mode, int units, int[] start, int[] column, long[] weight,
                               double[] cost, long minBitsSum, long maxBitsSum, long[] maxWeight, boolean restricted) {
        this.problem = problem;
        this.mode = mode;
        this.units = units;
        this.start = start;
        this.column = column;
        this.weight = weight;
        this.cost = cost;
        this.minBitsSum = minBitsSum;
        this.maxBitsSum = maxBitsSum;
        this.maxWeight = maxWeight;
        this.fixedBits = mode.fixedBits(problem.basisOverheadBits());
        this.restricted = restricted;
    }

    static AllocationInstance build(AllocationProblem p, Accounting mode, int[] candidates, AllocationConstraints cons) {
        boolean[] useColumn = new boolean[p.candidates().length];
        for (int b : candidates) {
            int j = p.candidateIndex(b);
            if (j < 0) {
                throw new IllegalArgumentException("candidate width " + b + " has no cost column; the problem has "
                        + Arrays.toString(p.candidates()));
            }
            useColumn[j] = true;
        }
        for (AllocationConstraints.Pin pin : cons.pins()) {
            if (p.candidateIndex(pin.bits()) < 0 || !useColumn[p.candidateIndex(pin.bits())]) {
                throw new IllegalArgumentException("pin to " + pin.bits() + " bits for " + pin.select()
                        + ": not among the candidate widths " + Arrays.toString(candidates));
            }
        }
        int u = p.units();
        int nb = p.candidates().length;
        int[] start = new int[u + 1];
        List<int[]> perUnit = new ArrayList<>(u);
        long minSum = 0;
        long maxSum = 0;
        long[] maxWeight = new long[u];
        int total = 0;
        for (int i = 0; i < u; i++) {
            UnitId id = p.ids().get(i);
            int min = 0;
            for (AllocationConstraints.MinBits m : cons.minimums()) {
                if (m.select().matches(id)) {
                    min = Math.max(min, m.bits());
                }
            }
            int pin = -1;
            for (AllocationConstraints.Pin pn : cons.pins()) {
                if (pn.select().matches(id)) {
                    if (pin >= 0 && pin != pn.bits()) {
                        throw new IllegalArgumentException("unit " + id + " is pinned to both " + pin + " and "
                                + pn.bits() + " bits");
                    }
                    pin = pn.bits();
                }
            }
            if (pin >= 0 && pin < min) {
                throw new IllegalArgumentException("unit " + id + " is pinned to " + pin + " bits but must have ≥ " + min);
            }
            Integer[] cols = new Integer[nb];
            int n = 0;
            for (int j = 0; j < nb; j++) {
                int b = p.candidates()[j];
                if (useColumn[j] && b >= min && (pin < 0 || b == pin)) {
                    cols[n++] = j;
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException("unit " + id + " has no allowed width: minimum " + min
                        + " bits, candidates " + Arrays.toString(candidates));
            }
            long size = p.sizes()[i];
            int unit = i;
            Integer[] sorted = Arrays.copyOf(cols, n);
            Arrays.sort(sorted, (a, c) -> {
                int byWeight = Long.compare(mode.unitBits(size, p.candidates()[a], p.groupSize()),
                        mode.unitBits(size, p.candidates()[c], p.groupSize()));
                return byWeight != 0 ? byWeight : Double.compare(p.cost(unit, a), p.cost(unit, c));
            });
            minSum += mode.unitBits(size, p.candidates()[sorted[0]], p.groupSize());
            maxWeight[i] = mode.unitBits(size, p.candidates()[sorted[n - 1]], p.groupSize());
            maxSum += maxWeight[i];
            int[] kept = new int[n];
            int k = 0;
            for (int s = 0; s < n; s++) {
                if (k == 0 || p.cost(i, sorted[s]) < p.cost(i, kept[k - 1])) {
                    kept[k++] = sorted[s];
                }
            }
            perUnit.add(Arrays.copyOf(kept, k));
            total += k;
            start[i + 1] = total;
        }
        int[] column = new int[total];
        long[] weight = new long[total];
        double[] cost = new double[total];
        for (int i = 0; i < u; i++) {
            int[] kept = perUnit.get(i);
            for (int s = 0; s < kept.length; s++) {
                int at = start[i] + s;
                column[at] = kept[s];
                weight[at] = mode.unitBits(p.sizes()[i], p.candidates()[kept[s]], p.groupSize());
                cost[at] = p.cost(i, kept[s]);
            }
        }
        boolean restricted = !cons.minimums().isEmpty() || !cons.pins().isEmpty();
        return new AllocationInstance(p, mode, start, column, weight, cost, minSum, maxSum, maxWeight, restricted);
    }

    /**
     * The sub-instance of {@code members} (unit indices, ascending) keeping only the choices {@code keep} marks (by
     * flattened index; each member keeps at least one, in weight order). Only the solvers' arrays are meaningful:
     * {@link #problem} is the whole problem's, so layer rows and widths must be taken on the full instance.
     */
    AllocationInstance restrict(int[] members, boolean[] keep) {
        int[] st = new int[members.length + 1];
        int n = 0;
        for (int m = 0; m < members.length; m++) {
            for (int i = start[members[m]]; i < start[members[m] + 1]; i++) if (keep[i]) n++;
            st[m + 1] = n;
        }
        int[] col = new int[n];
        long[] w = new long[n];
        double[] c = new double[n];
        long[] maxW = new long[members.length];
        long minSum = 0;
        long maxSum = 0;
        int at = 0;
        for (int m = 0; m < members.length; m++) {
            for (int i = start[members[m]]; i < start[members[m] + 1]; i++) {
                if (!keep[i]) continue;
                col[at] = column[i];
                w[at] = weight[i];
                c[at] = cost[i];
                at++;
            }
            if (st[m + 1] == st[m]) throw new IllegalArgumentException("unit " + members[m] + " keeps no choice");
            minSum += w[st[m]];
            maxW[m] = w[st[m + 1] - 1];
            maxSum += maxW[m];
        }
        return new AllocationInstance(problem, mode, members.length, st, col, w, c, minSum, maxSum, maxW, restricted);
    }

    double minAverageBits() {
        return (minBitsSum + fixedBits) / problem.totalWeights();
    }

    double maxAverageBits() {
        return (maxBitsSum + fixedBits) / problem.totalWeights();
    }

    /**
     * The budget for unit weights in integer bits: floor(b̄·N − fixed overhead), with a relative tolerance
     * of 1e-12 so that b̄ = B/N gives back B. Throws when b̄ is invalid or below the feasible minimum.
     */
    long capacityBits(double averageBits) {
        if (Double.isNaN(averageBits) || averageBits < 0 || averageBits > 16) {
            throw infeasible(averageBits, "average bits must be a number in [0, 16], got " + averageBits);
        }
        long cap = floorBits(averageBits * problem.totalWeights() - fixedBits);
        if (cap < minBitsSum) {
            throw infeasible(averageBits, "budget of " + fmt(averageBits) + " average bits is below the minimum "
                    + "this problem can reach" + (restricted ? " with its pins/minimums" : ""));
        }
        return cap;
    }

    static long floorBits(double bits) {
        return (long) Math.floor(bits + 1e-12 * Math.max(1, Math.abs(bits)));
    }

    BudgetInfeasibleException infeasible(double averageBits, String why) {
        String msg = why + "; the feasible range of average bits in " + mode + " accounting is [" + fmt(minAverageBits())
                + ", " + fmt(maxAverageBits()) + "] (any b̄ in [min, 16] is accepted; above the max every unit "
                + "takes its best width)";
        return new BudgetInfeasibleException(msg, averageBits, minAverageBits(), maxAverageBits(), mode);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    /** A per-layer budget row: the layer's units, its capacity in bits and its feasible range. */
    record LayerRow(int layer, int[] units, long capacityBits, double weights, double minAverage, double maxAverage) {
    }

    /**
     * The row of one layer budget: the layer's share of N is N·Σ_{u∈L} n_u / Σ_u n_u, and in PLUS_BASIS
     * it carries the same share of the basis overhead. Throws when no allocation of the layer fits.
     */
    LayerRow layerRow(AllocationConstraints.LayerBudget lb) {
        double avg = lb.maxAverageBits();
        long allSizes = 0;
        long layerSizes = 0;
        long min = 0;
        long max = 0;
        int[] members = new int[units];
        int m = 0;
        for (int u = 0; u < units; u++) {
            allSizes += problem.sizes()[u];
            if (problem.ids().get(u).layer() == lb.layer()) {
                layerSizes += problem.sizes()[u];
                min += weight[start[u]];
                max += maxWeight[u];
                members[m++] = u;
            }
        }
        if (m == 0) {
            throw new IllegalArgumentException("layer budget for layer " + lb.layer() + ": no unit is in that layer");
        }
        double share = (double) layerSizes / allSizes;
        double weights = problem.totalWeights() * share;
        double fixed = fixedBits * share;
        double minAvg = (min + fixed) / weights;
        double maxAvg = (max + fixed) / weights;
        String range = "; the feasible range of layer " + lb.layer() + "'s average bits in " + mode + " accounting is ["
                + fmt(minAvg) + ", " + fmt(maxAvg) + "]";
        if (Double.isNaN(avg) || avg < 0 || avg > 16) {
            throw new BudgetInfeasibleException("layer " + lb.layer() + " budget must be a number in [0, 16], got "
                    + avg + range, avg, minAvg, maxAvg, mode);
        }
        long cap = floorBits(avg * weights - fixed);
        if (cap < min) {
            throw new BudgetInfeasibleException("layer " + lb.layer() + " budget of " + fmt(avg) + " average bits is "
                    + "below its minimum" + (restricted ? " with its pins/minimums" : "") + range, avg, minAvg, maxAvg, mode);
        }
        return new LayerRow(lb.layer(), Arrays.copyOf(members, m), cap, weights, minAvg, maxAvg);
    }

    int choices(int unit) {
        return start[unit + 1] - start[unit];
    }

    /** Widths of a solution given as one flattened choice index per unit. */
    byte[] widths(int[] choice) {
        byte[] bits = new byte[units];
        for (int u = 0; u < units; u++) {
            bits[u] = (byte) problem.candidates()[column[choice[u]]];
        }
        return bits;
    }
}
