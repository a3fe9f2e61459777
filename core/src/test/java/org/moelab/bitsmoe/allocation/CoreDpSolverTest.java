package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reduced-cost fixing + DP over the core gives the plain DP's optimum, and makes exact allocation affordable at scale. */
class CoreDpSolverTest {

    @Test
    void coreDpEqualsThePlainDpOnRandomInstances() {
        Random rnd = new Random(20261129);
        int fixedSome = 0;
        for (int t = 0; t < 300; t++) {
            Instances.Case c = Instances.random(rnd, 2, 60, 3, true);
            AllocationInstance in = AllocationInstance.build(c.problem(), c.mode(), c.candidates(), c.constraints());
            long cap = in.capacityBits(c.averageBits());
            String what = "case " + t + ": " + c;
            DpSolver.Result dp = DpSolver.solve(in, cap, Long.MAX_VALUE, Progress.NONE);
            CoreDpSolver.Result core = CoreDpSolver.solve(in, cap, Long.MAX_VALUE, Progress.NONE);
            assertNotNull(core, what);
            DpSolverTest.assertSameCost(dp.optimum(), core.optimum(), what);
            long bits = 0;
            double cost = 0;
            for (int u = 0; u < in.units; u++) {
                assertTrue(core.choice()[u] >= in.start[u] && core.choice()[u] < in.start[u + 1], what);
                bits += in.weight[core.choice()[u]];
                cost += in.cost[core.choice()[u]];
            }
            assertTrue(bits <= cap, what + ": over budget");
            DpSolverTest.assertSameCost(cost, core.optimum(), what);
            if (core.coreUnits() < in.units) fixedSome++;
        }
        assertTrue(fixedSome > 150, "reduced-cost fixing fixed units in only " + fixedSome + " of 300 cases");
    }

    @Test
    void autoIsExactOnATeachingModelSizedProblem() {
        // 49,152 units of 256 elements at widths {0,1,2,3,4,8,16}: the plain DP table would be 49,152 × 122,881 cells
        int[] cand = {0, 1, 2, 3, 4, 8, 16};
        AllocationProblem p = BitAllocationTest.uniform(49_152, 256, cand, 5);
        AllocationPlan plan = new BitAllocation(BitAllocation.Options.defaults().withCandidates(cand)).allocate(p, 2.5);
        assertEquals(Solver.DP, plan.solver(), plan.note());
        assertEquals("OPTIMAL", plan.state());
        assertTrue(plan.note().contains("reduced-cost fixing"), plan.note());
        AllocationPlan greedy = new BitAllocation(BitAllocation.Options.defaults().withCandidates(cand).withSolver(Solver.GREEDY))
                .allocate(p, 2.5);
        assertTrue(plan.predictedCost() <= greedy.predictedCost() * (1 + 1e-12), plan.predictedCost() + " vs greedy " + greedy.predictedCost());
        assertTrue(plan.predictedCost() >= greedy.lowerBound() * (1 - 1e-12), "never below the LP bound");
        assertTrue(plan.averageBits().payload() <= 2.5 + 1e-12);
    }
}
