package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HullGreedySolverTest {

    /** Relative slack for comparing sums of the same doubles added in a different order. */
    static final double EPS = 1e-12;

    @Test
    void greedyIsFeasibleAndBracketedByLpBoundAndGap() {
        Random rnd = new Random(11);
        int withGap = 0;
        for (int t = 0; t < 300; t++) {
            Instances.Case c = Instances.random(rnd, 1, t < 200 ? 6 : 60, 2, true);
            String what = "case " + t + ": " + c;
            AllocationPlan greedy = c.solve(Solver.GREEDY);
            AllocationPlan dp = c.solve(Solver.DP);
            double cost = greedy.predictedCost();
            double lp = greedy.lowerBound();
            assertEquals(Solver.GREEDY, greedy.solver());
            assertTrue(Instances.feasible(c, greedy.bits()), what + " greedy over budget");
            assertTrue(Instances.respectsConstraints(c, greedy.bits()), what + " greedy ignores minimums/pins");
            assertEquals(Instances.cost(c.problem(), greedy.bits()), cost, EPS * cost, what);
            assertNotNull(greedy.gap(), what);
            assertTrue(cost >= lp, what + " cost " + cost + " below its LP bound " + lp);
            double realisedGap = cost > 0 ? (cost - lp) / cost : 0;
            assertTrue(realisedGap <= greedy.gap() + EPS, what + " gap " + realisedGap + " > reported " + greedy.gap());
            assertTrue(lp <= dp.predictedCost() * (1 + EPS), what + " LP bound " + lp + " above the DP optimum "
                    + dp.predictedCost());
            assertTrue(cost >= dp.predictedCost() * (1 - EPS), what + " greedy beats the exact optimum");
            if ("OPTIMAL".equals(greedy.state())) {
                assertEquals(dp.predictedCost(), cost, EPS * cost, what + " greedy says OPTIMAL but is not");
            }
            withGap += greedy.gap() > 0 ? 1 : 0;
        }
        assertTrue(withGap >= 20, "only " + withGap + " cases had a positive gap; the bound was barely exercised");
    }

    @Test
    void largerBudgetNeverCostsMore() {
        Random rnd = new Random(5);
        for (int t = 0; t < 30; t++) {
            Instances.Case c = Instances.random(rnd, 5, 200, 3, true);
            double[] range = Instances.range(c);
            double previous = Double.POSITIVE_INFINITY;
            double previousLp = Double.POSITIVE_INFINITY;
            for (int s = 0; s <= 60; s++) {
                double b = Math.min(16, range[0] + (range[1] * 1.02 - range[0]) * s / 60.0);
                AllocationPlan plan = c.withBudget(b).solve(Solver.GREEDY);
                assertTrue(plan.predictedCost() <= previous * (1 + EPS),
                        "case " + t + " b̄ " + b + ": " + plan.predictedCost() + " > " + previous);
                assertTrue(plan.lowerBound() <= previousLp * (1 + EPS), "LP bound rose with the budget");
                previous = plan.predictedCost();
                previousLp = plan.lowerBound();
            }
        }
    }

    @Test
    void lpBoundOfAHandInstance() {
        // Two units of 10 elements, widths {0, 2, 4}; costs fall convexly. Budget 30 bits (b̄ = 1.5):
        // hull slopes: unit0 0→2 saves 8 over 20 bits (0.4/bit), unit1 0→2 saves 4 (0.2/bit), unit0
        // 2→4 saves 1.6 (0.08/bit). Greedy starts at 10 + 6 = 16, takes unit0 0→2 (cost 8, 10 bits
        // left); unit1's 20-bit step does not fit: LP = 8 − 4·(10/20) = 6. Greedy 8 is also the optimum.
        AllocationProblem p = AllocationProblem.of(List.of(new UnitId(0, "up", 0, 0), new UnitId(0, "up", 1, 0)),
                new long[] {10, 10}, new int[] {0, 2, 4}, new double[] {10, 2, 0.4, 6, 2, 1.5});
        AllocationPlan plan = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.GREEDY)
                .withCandidates(0, 2, 4)).allocate(p, 1.5);
        assertEquals(2 + 6, plan.predictedCost(), 1e-12);
        assertEquals(6.0, plan.lowerBound(), 1e-12);
        assertEquals((8 - 6) / 8.0, plan.gap(), 1e-12);
        assertEquals("FEASIBLE", plan.state());
        assertEquals(2, plan.bits(0));
        assertEquals(0, plan.bits(1));

        // b̄ = 2 (40 bits): both 0→2 steps fit exactly, nothing is fractional: the greedy is the LP optimum
        AllocationPlan exact = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.GREEDY)
                .withCandidates(0, 2, 4)).allocate(p, 2.0);
        assertEquals(4.0, exact.predictedCost(), 1e-12);
        assertEquals(exact.predictedCost(), exact.lowerBound(), 0);
        assertEquals(0.0, exact.gap());
        assertEquals("OPTIMAL", exact.state());
    }

    @Test
    void lpBoundStaysAccurateWhenCostsSpanManyOrders() {
        // Units of 1 element, widths {0, 16}. A and B fall from 1e6 to 1e-9 / 2e-9, C from 1e-8 to 1e-9.
        // 40 bits: A and B move to 16 bits, C gets 8 of its 16: LP = 1e-9 + 2e-9 + ½·1e-8 + ½·1e-9.
        // (Computed as 2e6 + 1e-8 − savings, the bound is lost in the rounding of the 1e6 terms.)
        AllocationProblem p = AllocationProblem.of(
                List.of(new UnitId(0, "up", 0, 0), new UnitId(0, "up", 1, 0), new UnitId(0, "up", 2, 0)),
                new long[] {1, 1, 1}, new int[] {0, 16}, new double[] {1e6, 1e-9, 1e6, 2e-9, 1e-8, 1e-9});
        AllocationPlan plan = new BitAllocation(BitAllocation.Options.defaults().withSolver(Solver.GREEDY)
                .withCandidates(0, 16)).allocate(p, 40.0 / 3);
        assertEquals(1.3e-8, plan.predictedCost(), 1e-20);
        assertEquals(8.5e-9, plan.lowerBound(), 1e-20);
        assertEquals((1.3e-8 - 8.5e-9) / 1.3e-8, plan.gap(), 1e-9);
    }
}
