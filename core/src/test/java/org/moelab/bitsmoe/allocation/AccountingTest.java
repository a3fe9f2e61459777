package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccountingTest {

    @Test
    void unitBitsPerWidth() {
        // n = 300, g = 128: 3 groups
        for (Accounting mode : Accounting.values()) {
            assertEquals(0, mode.unitBits(300, 0, 128), mode + ": a dropped component stores nothing");
        }
        assertEquals(300 * 3, Accounting.PAYLOAD.unitBits(300, 3, 128));
        assertEquals(300 * 16, Accounting.PAYLOAD.unitBits(300, 16, 128));
        for (Accounting mode : List.of(Accounting.PLUS_SCALES, Accounting.PLUS_BASIS)) {
            // b in 1..8: payload + one fp16 scale per group + the fp16 component scalar s
            assertEquals(300 + 3 * 16 + 16, mode.unitBits(300, 1, 128));
            assertEquals(300 * 8 + 3 * 16 + 16, mode.unitBits(300, 8, 128));
            assertEquals(256 * 4 + 2 * 16 + 16, mode.unitBits(256, 4, 128), "exact multiple of g");
            assertEquals(7 * 2 + 16 + 16, mode.unitBits(7, 2, 128), "a partial group still has a scale");
            // b = 16: fp16 values need no group scales; s is still stored
            assertEquals(300 * 16 + 16, mode.unitBits(300, 16, 128));
        }
        assertEquals(0, Accounting.PAYLOAD.fixedBits(1234));
        assertEquals(0, Accounting.PLUS_SCALES.fixedBits(1234));
        assertEquals(1234, Accounting.PLUS_BASIS.fixedBits(1234));
    }

    @Test
    void handMadePlanReportsAllThreeAverages() {
        long[] n = {300, 128, 50, 7, 256};
        int[] widths = {3, 16, 0, 1, 8};
        // payload: 900 + 2048 + 0 + 7 + 2048 = 5003
        // +scales: 900+3·16+16 = 964, 2048+16 = 2064, 0, 7+16+16 = 39, 2048+2·16+16 = 2096 → 5163
        // +basis:  5163 + 837 = 6000; N = 1000 (more than Σ n_u = 741: averages are over N)
        List<UnitId> ids = new ArrayList<>();
        AllocationConstraints pins = AllocationConstraints.NONE;
        for (int u = 0; u < n.length; u++) {
            ids.add(new UnitId(u % 2, "gate", u, 0));
            pins = pins.withPin(UnitSelector.unit(ids.get(u)), widths[u]);
        }
        int[] cand = {0, 1, 3, 8, 16};
        double[] costs = new Random(1).doubles(n.length * cand.length).toArray();
        AllocationProblem p = new AllocationProblem(ids, n, cand, costs, 1000, 837, 128);
        for (Accounting mode : Accounting.values()) {
            Solver solver = Solver.values()[1 + mode.ordinal()]; // DP, GREEDY, MIP: each with every width pinned
            AllocationPlan plan = new BitAllocation(BitAllocation.Options.defaults().withMode(mode).withSolver(solver)
                    .withCandidates(cand).withConstraints(pins)).allocate(p, 8.0);
            assertArrayEquals(new byte[] {3, 16, 0, 1, 8}, plan.bits());
            assertEquals(mode, plan.mode());
            assertEquals(5.003, plan.averageBits().payload(), 1e-12);
            assertEquals(5.163, plan.averageBits().plusScales(), 1e-12);
            assertEquals(6.000, plan.averageBits().plusBasis(), 1e-12);
            assertEquals(5.163, plan.averageBits().in(Accounting.PLUS_SCALES), 0);
            assertEquals(Instances.cost(p, plan.bits()), plan.predictedCost(), 1e-12);
        }
        assertEquals(5163, p.totalBits(new byte[] {3, 16, 0, 1, 8}, Accounting.PLUS_SCALES), 0);
        assertEquals(6.0, p.averageBits(new byte[] {3, 16, 0, 1, 8}, Accounting.PLUS_BASIS), 1e-12);
    }

    @Test
    void budgetIsEnforcedInTheChosenMode() {
        Random rnd = new Random(9);
        for (int t = 0; t < 60; t++) {
            Instances.Case c = Instances.random(rnd, 3, 30, 2, false);
            for (Accounting mode : Accounting.values()) {
                Instances.Case m = new Instances.Case(c.problem(), mode, c.candidates(), c.constraints(), 0);
                double[] range = Instances.range(m);
                if (range[0] > 16) {
                    continue;
                }
                double b = range[0] + (Math.min(16, range[1]) - range[0]) * rnd.nextDouble();
                AllocationPlan plan = m.withBudget(b).solve(Solver.DP);
                assertTrue(plan.averageBits().in(mode) <= b * (1 + 1e-12), mode + ": " + plan.averageBits() + " > " + b);
                assertEquals(b, plan.budgetAverageBits(), 0);
                // the modes nest: payload ≤ +scales ≤ +basis
                assertTrue(plan.averageBits().payload() <= plan.averageBits().plusScales());
                assertTrue(plan.averageBits().plusScales() <= plan.averageBits().plusBasis());
            }
        }
    }
}
