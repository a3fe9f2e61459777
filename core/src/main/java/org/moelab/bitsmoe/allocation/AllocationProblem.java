package org.moelab.bitsmoe.allocation;

import org.moelab.bitsmoe.cost.CostModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data of one BitsMoE allocation (methods.md §1.4): units u = 0..U−1 with sizes n_u (elements; I in
 * BitsMoE) and ids, a candidate width set B, and the costs c_{u,b} ≥ 0 of giving unit u width b.
 *
 * @param ids               (U) unit ids, in unit order
 * @param sizes             (U) n_u, elements per unit
 * @param candidates        (|B|) candidate widths in bits, distinct, each in [0, 16]
 * @param costs             (U, |B|) row-major c_{u,b}: finite, ≥ 0
 * @param totalWeights      N, the weight count the average b̄ is over (budget bits = b̄·N); Σ n_u by default
 * @param basisOverheadBits the fixed overhead counted in {@link Accounting#PLUS_BASIS} (e.g. bf16 bases)
 * @param groupSize         g, elements per quantization group (one fp16 scale each); 128 by default
 */
public record AllocationProblem(List<UnitId> ids, long[] sizes, int[] candidates, double[] costs, long totalWeights,
                                double basisOverheadBits, int groupSize) {

    public static final int[] DEFAULT_CANDIDATES = {0, 1, 2, 3, 4, 8, 16};
    public static final int DEFAULT_GROUP_SIZE = 128;

    public AllocationProblem {
        ids = List.copyOf(ids);
        int u = ids.size();
        if (sizes.length != u) {
            throw new IllegalArgumentException("sizes has " + sizes.length + " entries for " + u + " units");
        }
        if (candidates.length == 0 || candidates.length > 64) {
            throw new IllegalArgumentException("need 1..64 candidate widths, got " + candidates.length);
        }
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i] < 0 || candidates[i] > 16) {
                throw new IllegalArgumentException("candidate width " + candidates[i] + " is outside [0, 16]");
            }
            for (int j = 0; j < i; j++) {
                if (candidates[j] == candidates[i]) {
                    throw new IllegalArgumentException("candidate width " + candidates[i] + " appears twice");
                }
            }
        }
        if ((long) u * candidates.length != costs.length) {
            throw new IllegalArgumentException("costs has " + costs.length + " entries, expected U·|B| = "
                    + u + "·" + candidates.length);
        }
        long sum = 0;
        for (int i = 0; i < u; i++) {
            if (sizes[i] <= 0) {
                throw new IllegalArgumentException("unit " + ids.get(i) + " has size " + sizes[i]);
            }
            sum = Math.addExact(sum, sizes[i]);
        }
        for (int i = 0; i < costs.length; i++) {
            double c = costs[i];
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("cost of unit " + ids.get(i / candidates.length) + " at "
                        + candidates[i % candidates.length] + " bits is " + c + "; costs must be finite and ≥ 0");
            }
        }
        if (totalWeights <= 0) {
            throw new IllegalArgumentException("totalWeights must be positive, got " + totalWeights);
        }
        if (!(basisOverheadBits >= 0) || Double.isInfinite(basisOverheadBits)) {
            throw new IllegalArgumentException("basisOverheadBits must be finite and ≥ 0, got " + basisOverheadBits);
        }
        if (groupSize <= 0) {
            throw new IllegalArgumentException("groupSize must be positive, got " + groupSize);
        }
    }

    /** A problem with N = Σ n_u, no basis overhead and g = 128. */
    public static AllocationProblem of(List<UnitId> ids, long[] sizes, int[] candidates, double[] costs) {
        return new AllocationProblem(ids, sizes, candidates, costs, Arrays.stream(sizes).sum(), 0, DEFAULT_GROUP_SIZE);
    }

    /**
     * All projections of all layers from the cost model, units in list order then e·r + k; n_u = the
     * expert intermediate size I. Every entry must use the same candidate set.
     */
    public static AllocationProblem fromProjectionCosts(List<CostModel.ProjectionCosts> projections, int inter) {
        if (projections.isEmpty()) {
            throw new IllegalArgumentException("no projection costs");
        }
        int[] cand = projections.getFirst().candidates();
        List<UnitId> ids = new ArrayList<>();
        int total = 0;
        for (CostModel.ProjectionCosts p : projections) {
            if (!Arrays.equals(cand, p.candidates())) {
                throw new IllegalArgumentException("layer " + p.layer() + " " + p.projection()
                        + " uses candidates " + Arrays.toString(p.candidates()) + ", not " + Arrays.toString(cand));
            }
            total += p.experts() * p.rank();
        }
        double[] costs = new double[total * cand.length];
        int at = 0;
        for (CostModel.ProjectionCosts p : projections) {
            for (int e = 0; e < p.experts(); e++) {
                for (int k = 0; k < p.rank(); k++) {
                    ids.add(new UnitId(p.layer(), p.projection(), e, k));
                }
            }
            System.arraycopy(p.costs(), 0, costs, at, p.costs().length);
            at += p.costs().length;
        }
        long[] sizes = new long[total];
        Arrays.fill(sizes, inter);
        return of(ids, sizes, cand, costs);
    }

    public AllocationProblem withTotalWeights(long n) {
        return new AllocationProblem(ids, sizes, candidates, costs, n, basisOverheadBits, groupSize);
    }

    public AllocationProblem withBasisOverheadBits(double bits) {
        return new AllocationProblem(ids, sizes, candidates, costs, totalWeights, bits, groupSize);
    }

    public AllocationProblem withGroupSize(int g) {
        return new AllocationProblem(ids, sizes, candidates, costs, totalWeights, basisOverheadBits, g);
    }

    public int units() {
        return ids.size();
    }

    public double cost(int unit, int candidateIndex) {
        return costs[unit * candidates.length + candidateIndex];
    }

    /** Column of width {@code bits} in {@link #costs}, or −1. */
    public int candidateIndex(int bits) {
        for (int j = 0; j < candidates.length; j++) {
            if (candidates[j] == bits) {
                return j;
            }
        }
        return -1;
    }

    /** Σ_u c_{u, bits[u]}. */
    public double costOf(byte[] bits) {
        double sum = 0;
        for (int u = 0; u < units(); u++) {
            int j = candidateIndex(bits[u]);
            if (j < 0) {
                throw new IllegalArgumentException("unit " + ids.get(u) + " has width " + bits[u] + ", not a candidate");
            }
            sum += cost(u, j);
        }
        return sum;
    }

    /** Total bits of an allocation in {@code mode}, the fixed basis overhead included for PLUS_BASIS. */
    public double totalBits(byte[] bits, Accounting mode) {
        long sum = 0;
        for (int u = 0; u < units(); u++) {
            sum += mode.unitBits(sizes[u], bits[u], groupSize);
        }
        return sum + mode.fixedBits(basisOverheadBits);
    }

    /** Realised average bits per weight (total bits / N) of an allocation in {@code mode}. */
    public double averageBits(byte[] bits, Accounting mode) {
        return totalBits(bits, mode) / totalWeights;
    }
}
