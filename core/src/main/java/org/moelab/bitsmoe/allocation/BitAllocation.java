package org.moelab.bitsmoe.allocation;

import org.moelab.Progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * BitsMoE bit allocation (methods.md §1.4; paper: "BitsMoE: Efficient Spectral Energy-Guided Bit
 * Allocation for MoE LLM Quantization", arXiv 2606.00079): choose one width b_u ∈ B per unit u
 * minimising Σ_u c_{u,b_u} subject to Σ_u bits_mode(n_u, b_u) ≤ b̄·N (a multiple-choice knapsack with
 * one budget row), with optional minimums, pins and per-layer budgets.
 * <ul>
 *   <li>{@link Solver#DP}: exact dynamic programming over the integer budget ({@link DpSolver}); when U × capacity
 *       exceeds {@link Options#dpCellLimit()}, reduced-cost fixing at the LP multiplier first and the DP over the
 *       units left open ({@link CoreDpSolver}), still exact;</li>
 *   <li>{@link Solver#GREEDY}: convex-hull greedy with its LP-relaxation bound and gap ({@link HullGreedySolver});</li>
 *   <li>{@link Solver#MIP}: ojAlgo's MIP with a time limit, the only one that takes per-layer budgets ({@link MipSolver});</li>
 *   <li>{@link Solver#AUTO}: MIP when there are per-layer budgets; else DP (plain or over the core); GREEDY only
 *       when even the core's table exceeds {@link Options#dpCellLimit()}. (Minimums and pins restrict each unit's candidate list,
 *       which DP and GREEDY honour, so they alone do not force MIP.)</li>
 * </ul>
 * A b̄ above the feasible maximum (but ≤ 16) is not an error: every unit takes its cheapest width.
 */
public final class BitAllocation {

    public enum Solver { AUTO, DP, GREEDY, MIP }

    /**
     * @param solver       which solver (AUTO by default)
     * @param mode         accounting mode the budget is enforced in (PAYLOAD by default)
     * @param candidates   allowed widths, a subset of the problem's cost columns (B = {0,1,2,3,4,8,16} by default)
     * @param mipTimeLimit ojAlgo's time limit (10 s by default)
     * @param constraints  minimums, pins, per-layer budgets (none by default)
     * @param dpCellLimit  largest U × (capacity+1) the DP accepts (3e8 by default)
     */
    public record Options(Solver solver, Accounting mode, int[] candidates, Duration mipTimeLimit,
                          AllocationConstraints constraints, long dpCellLimit) {

        public static final long DEFAULT_DP_CELL_LIMIT = 300_000_000L;

        public Options {
            Objects.requireNonNull(solver, "solver");
            Objects.requireNonNull(mode, "mode");
            candidates = Objects.requireNonNull(candidates, "candidates").clone();
            Objects.requireNonNull(mipTimeLimit, "mipTimeLimit");
            constraints = constraints == null ? AllocationConstraints.NONE : constraints;
            if (candidates.length == 0) {
                throw new IllegalArgumentException("no candidate widths");
            }
            if (mipTimeLimit.isNegative() || mipTimeLimit.isZero()) {
                throw new IllegalArgumentException("mipTimeLimit must be positive, got " + mipTimeLimit);
            }
            if (dpCellLimit <= 0) {
                throw new IllegalArgumentException("dpCellLimit must be positive, got " + dpCellLimit);
            }
        }

        public static Options defaults() {
            return new Options(Solver.AUTO, Accounting.PAYLOAD, AllocationProblem.DEFAULT_CANDIDATES,
                    Duration.ofSeconds(10), AllocationConstraints.NONE, DEFAULT_DP_CELL_LIMIT);
        }

        public Options withSolver(Solver s) {
            return new Options(s, mode, candidates, mipTimeLimit, constraints, dpCellLimit);
        }

        public Options withMode(Accounting m) {
            return new Options(solver, m, candidates, mipTimeLimit, constraints, dpCellLimit);
        }

        public Options withCandidates(int... c) {
            return new Options(solver, mode, c, mipTimeLimit, constraints, dpCellLimit);
        }

        public Options withMipTimeLimit(Duration d) {
            return new Options(solver, mode, candidates, d, constraints, dpCellLimit);
        }

        public Options withConstraints(AllocationConstraints c) {
            return new Options(solver, mode, candidates, mipTimeLimit, c, dpCellLimit);
        }

        public Options withDpCellLimit(long cells) {
            return new Options(solver, mode, candidates, mipTimeLimit, constraints, cells);
        }
    }

    private final Options options;

    public BitAllocation(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    public AllocationPlan allocate(AllocationProblem problem, double averageBits) {
        return allocate(problem, averageBits, Progress.NONE);
    }

    /**
     * Allocates widths for a budget of {@code averageBits} per weight over N, in {@link Options#mode()}.
     *
     * @throws BudgetInfeasibleException b̄ is NaN, outside [0, 16], or below what the (restricted) units can
     *                                   reach; also a per-layer budget below its layer's minimum
     * @throws IllegalArgumentException  bad constraints, per-layer budgets with DP/GREEDY, or a DP too large
     * @throws IllegalStateException     the MIP found no feasible solution within its time limit
     */
    public AllocationPlan allocate(AllocationProblem problem, double averageBits, Progress progress) {
        long t0 = System.nanoTime();
        AllocationConstraints cons = options.constraints();
        if (cons.hasLayerBudgets() && (options.solver() == Solver.DP || options.solver() == Solver.GREEDY)) {
            throw new IllegalArgumentException("per-layer budgets are only handled by solver MIP (or AUTO), not "
                    + options.solver() + "; minimums and pins work with every solver");
        }
        AllocationInstance in = AllocationInstance.build(problem, options.mode(), options.candidates(), cons);
        long cap = in.capacityBits(averageBits);
        List<AllocationInstance.LayerRow> layers = new ArrayList<>();
        for (AllocationConstraints.LayerBudget lb : cons.layerBudgets()) {
            layers.add(in.layerRow(lb));
        }
        Solver solver = options.solver();
        if (solver == Solver.AUTO) {
            if (!layers.isEmpty()) {
                solver = Solver.MIP;
            } else {
                solver = Solver.DP; // the plain DP, else the DP over the core; GREEDY only when even the core is too large
            }
        }
        int[] choice;
        Double lowerBound;
        Double gap;
        String state;
        String note;
        switch (solver) {
            case DP -> {
                if (DpSolver.cells(in, cap) <= options.dpCellLimit()) {
                    DpSolver.Result r = DpSolver.solve(in, cap, options.dpCellLimit(), progress);
                    choice = r.choice();
                    lowerBound = r.optimum();
                    note = "exact DP over " + r.cells() + " cells (U × capacity after the gcd reduction)";
                } else {
                    CoreDpSolver.Result r = CoreDpSolver.solve(in, cap, options.dpCellLimit(), progress);
                    if (r == null && options.solver() == Solver.DP) {
                        DpSolver.solve(in, cap, options.dpCellLimit(), progress); // throws, naming the table size
                    }
                    if (r == null) {
                        solver = Solver.GREEDY;
                        HullGreedySolver.Result g = HullGreedySolver.solve(in, cap);
                        choice = g.choice();
                        lowerBound = g.lpBound();
                        gap = g.gap();
                        state = g.value() == g.lpBound() ? "OPTIMAL" : "FEASIBLE";
                        note = "exact DP too large even after reduced-cost fixing: convex-hull greedy; gap = (greedy − LP bound) / greedy";
                        break;
                    }
                    choice = r.choice();
                    lowerBound = r.optimum();
                    note = "exact: reduced-cost fixing at the LP multiplier fixed " + (in.units - r.coreUnits()) + " of " + in.units
                            + " units; DP over the remaining " + r.coreUnits() + " (" + r.cells() + " cells)";
                }
                gap = 0.0;
                state = "OPTIMAL";
            }
            case GREEDY -> {
                HullGreedySolver.Result r = HullGreedySolver.solve(in, cap);
                choice = r.choice();
                lowerBound = r.lpBound();
                gap = r.gap();
                state = r.value() == r.lpBound() ? "OPTIMAL" : "FEASIBLE";
                note = "convex-hull greedy; gap = (greedy − LP bound) / greedy";
            }
            case MIP -> {
                MipSolver.Result r = MipSolver.solve(in, cap, layers, options.mipTimeLimit());
                choice = r.choice();
                lowerBound = r.lpBound();
                gap = r.lpBound() == null ? null
                        : r.value() > 0 ? Math.max(0, (r.value() - r.lpBound()) / r.value()) : 0.0;
                state = r.state().name();
                note = r.note();
            }
            default -> throw new IllegalStateException("unreachable: " + solver);
        }
        byte[] bits = in.widths(choice);
        double cost = 0;
        TreeMap<Integer, Integer> histogram = new TreeMap<>();
        for (int u = 0; u < bits.length; u++) {
            cost += in.cost[choice[u]];
            histogram.merge((int) bits[u], 1, Integer::sum);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new AllocationPlan(bits, cost, lowerBound, gap, AllocationPlan.AverageBits.of(problem, bits),
                options.mode(), averageBits, solver, state, seconds, histogram, note);
    }
}
