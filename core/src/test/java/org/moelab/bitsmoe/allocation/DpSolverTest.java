package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpSolverTest {

    static void assertSameCost(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-9 * Math.max(1e-300, Math.abs(expected)) + 1e-300, what);
    }

    @Test
    void dpMatchesBruteForceOnRandomSmallInstances() {
        Random rnd = new Random(20260514);
        int constrained = 0;
        for (int t = 0; t < 400; t++) {
            Instances.Case c = Instances.random(rnd, 1, 6, 2, true);
            constrained += c.constraints().isEmpty() ? 0 : 1;
            String what = "case " + t + ": " + c;
            Instances.Optimum opt = Instances.bruteForce(c);
            assertNotNull(opt, what);
            AllocationPlan plan = c.solve(Solver.DP);
            assertSameCost(opt.cost(), plan.predictedCost(), what);
            assertSameCost(Instances.cost(c.problem(), plan.bits()), plan.predictedCost(), what);
            assertTrue(Instances.feasible(c, plan.bits()), what + " plan over budget");
            assertTrue(Instances.respectsConstraints(c, plan.bits()), what + " plan ignores minimums/pins");
            assertEquals(Solver.DP, plan.solver());
            assertEquals("OPTIMAL", plan.state());
            assertEquals(0.0, plan.gap());
            assertSameCost(plan.predictedCost(), plan.lowerBound(), what);
        }
        assertTrue(constrained >= 50, "only " + constrained + " cases had minimums/pins");
    }

    @Test
    void largerBudgetNeverCostsMore() {
        Random rnd = new Random(7);
        for (int t = 0; t < 30; t++) {
            Instances.Case c = Instances.random(rnd, 5, 40, 3, true);
            double[] range = Instances.range(c);
            double previous = Double.POSITIVE_INFINITY;
            for (int s = 0; s <= 40; s++) {
                double b = Math.min(16, range[0] + (range[1] * 1.02 - range[0]) * s / 40.0);
                double cost = c.withBudget(b).solve(Solver.DP).predictedCost();
                assertTrue(cost <= previous * (1 + 1e-12), "case " + t + " b̄ " + b + ": " + cost + " > " + previous);
                previous = cost;
            }
        }
    }

    @Test
    void checkpointedTwoPassDpIsConsistent() {
        // Enough units × capacity that the choice bytes exceed DpSolver.CHOICE_BYTES, so the DP keeps
        // checkpoints and recomputes segments while backtracking.
        Random rnd = new Random(3);
        int units = 2000;
        int[] cand = {0, 1, 2, 4};
        long[] sizes = new long[units];
        double[] costs = new double[units * cand.length];
        List<UnitId> ids = new java.util.ArrayList<>();
        for (int u = 0; u < units; u++) {
            ids.add(new UnitId(0, "up", u / 10, u % 10));
            sizes[u] = 20 + rnd.nextInt(81);
            for (int j = 0; j < cand.length; j++) {
                costs[u * cand.length + j] = rnd.nextDouble() * Math.pow(2, -2.0 * cand[j]);
            }
        }
        AllocationProblem p = AllocationProblem.of(ids, sizes, cand, costs);
        AllocationInstance in = AllocationInstance.build(p, Accounting.PAYLOAD, cand, AllocationConstraints.NONE);
        long cap = in.capacityBits(1.0);
        long cells = DpSolver.cells(in, cap);
        assertTrue(cells > DpSolver.CHOICE_BYTES, "test instance too small for the checkpointed path: " + cells);

        long[] last = new long[2];
        AllocationPlan dp = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.DP)
                .withCandidates(cand)).allocate(p, 1.0, (stage, done, total) -> {
                    assertTrue(done >= last[0] && done <= total, "progress " + done + " / " + total);
                    last[0] = done;
                    last[1] = total;
                });
        assertEquals(2L * units, last[1], "two passes over the units");
        assertEquals(last[1], last[0], "progress ends at 100%");
        AllocationPlan greedy = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.GREEDY)
                .withCandidates(cand)).allocate(p, 1.0);
        assertTrue(Instances.totalBits(p, Accounting.PAYLOAD, dp.bits()) <= p.totalWeights());
        // the forward pass's optimum equals the cost of the backtracked choices
        assertSameCost(dp.lowerBound(), dp.predictedCost(), "forward optimum vs backtracked cost");
        assertSameCost(Instances.cost(p, dp.bits()), dp.predictedCost(), "recomputed cost");
        assertTrue(dp.predictedCost() >= greedy.lowerBound() * (1 - 1e-12), "DP below the LP bound");
        assertTrue(dp.predictedCost() <= greedy.predictedCost() * (1 + 1e-12), "DP worse than greedy");
    }

    @Test
    void dominatedAndDuplicateWeightChoicesAreHandled() {
        // Unit 0: 4 bits is no better than 2 bits (dominated); unit 1: all widths cost the same.
        int[] cand = {2, 4, 0};
        AllocationProblem p = AllocationProblem.of(List.of(new UnitId(0, "gate", 0, 0), new UnitId(0, "gate", 0, 1)),
                new long[] {10, 10}, cand, new double[] {1.0, 1.0, 5.0, 3.0, 3.0, 3.0});
        AllocationPlan plan = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.DP)
                .withCandidates(cand)).allocate(p, 4.0);
        assertEquals(1.0 + 3.0, plan.predictedCost(), 0);
        assertEquals(List.of(2, 0), Arrays.asList((int) plan.bits()[0], (int) plan.bits()[1]));
    }
}
