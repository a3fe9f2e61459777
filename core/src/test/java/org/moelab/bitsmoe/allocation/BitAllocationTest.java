package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Options;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitAllocationTest {

    /** U units of n elements in one layer, costs falling with width. */
    static AllocationProblem uniform(int units, long n, int[] cand, long seed) {
        Random rnd = new Random(seed);
        List<UnitId> ids = new ArrayList<>();
        double[] costs = new double[units * cand.length];
        for (int u = 0; u < units; u++) {
            ids.add(new UnitId(u % 3, u % 2 == 0 ? "gate" : "down", u / 6, u));
            for (int j = 0; j < cand.length; j++) {
                costs[u * cand.length + j] = (0.5 + rnd.nextDouble()) * Math.pow(2, -2.0 * cand[j]);
            }
        }
        long[] sizes = new long[units];
        Arrays.fill(sizes, n);
        return AllocationProblem.of(ids, sizes, cand, costs);
    }

    static Solver auto(AllocationProblem p, double b, long cellLimit, int... cand) {
        return new BitAllocation(Options.defaults().withCandidates(cand).withDpCellLimit(cellLimit)).allocate(p, b).solver();
    }

    /** U units of n elements with the same costs: every unit is tied at the LP multiplier, so none can be fixed. */
    static AllocationProblem tied(int units, long n, int[] cand) {
        AllocationProblem p = uniform(units, n, cand, 1);
        double[] costs = p.costs().clone();
        for (int u = 1; u < units; u++) System.arraycopy(costs, 0, costs, u * cand.length, cand.length);
        return AllocationProblem.of(p.ids(), p.sizes(), cand, costs);
    }

    @Test
    void autoPicksDpUpToTheCellLimitThenTheCoreThenGreedy() {
        // 10 units of 1 element, widths {0, 1}, b̄ = 0.5: capacity 5 bits, cells 10 × 6 = 60
        AllocationProblem small = tied(10, 1, new int[] {0, 1});
        assertEquals(Solver.DP, auto(small, 0.5, 60, 0, 1));
        // tied units cannot be fixed: the core is the whole table, over the limit
        assertEquals(Solver.GREEDY, auto(small, 0.5, 59, 0, 1));
        // 10 units of 128 elements, widths {0, 2, 4}, b̄ = 2: 2560 bits in steps of 256 → 10 × 11 = 110 cells
        AllocationProblem grouped = tied(10, 128, new int[] {0, 2, 4});
        assertEquals(Solver.DP, auto(grouped, 2, 110, 0, 2, 4));
        // at b̄ = 2.5 (full table 10 × 13) the core keeps every unit with widths {2, 4} and 2 steps of capacity: 10 × 3
        assertEquals(Solver.DP, auto(grouped, 2.5, 30, 0, 2, 4));
        assertEquals(Solver.GREEDY, auto(grouped, 2.5, 29, 0, 2, 4));
        // distinct costs: reduced-cost fixing leaves a core that fits although the whole table does not
        AllocationPlan core = new BitAllocation(Options.defaults().withCandidates(0, 2, 4).withDpCellLimit(109))
                .allocate(uniform(10, 128, new int[] {0, 2, 4}, 2), 2);
        assertEquals(Solver.DP, core.solver());
        assertTrue(core.note().contains("reduced-cost fixing"), core.note());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BitAllocation(
                Options.defaults().withSolver(Solver.DP).withCandidates(0, 1).withDpCellLimit(59)).allocate(small, 0.5));
        assertTrue(e.getMessage().contains("GREEDY") && e.getMessage().contains("dpCellLimit"), e.getMessage());

        // default options: a realistic-size instance (3000 × 300-element units with coprime sizes, ~1.8e6 bits of
        // capacity, a plain DP table of ~5e9 cells) is solved exactly through the core
        AllocationProblem big = uniform(3000, 300, AllocationProblem.DEFAULT_CANDIDATES, 4);
        long[] sizes = big.sizes().clone();
        for (int u = 0; u < sizes.length; u += 2) {
            sizes[u] = 301;
        }
        big = new AllocationProblem(big.ids(), sizes, big.candidates(), big.costs(), Arrays.stream(sizes).sum(), 0, 128);
        AllocationPlan plan = new BitAllocation(Options.defaults()).allocate(big, 2.0);
        assertEquals(Solver.DP, plan.solver(), plan.note());
        assertEquals(0.0, plan.gap());
        assertTrue(plan.averageBits().payload() <= 2.0);
        AllocationPlan greedy = new BitAllocation(Options.defaults().withSolver(Solver.GREEDY)).allocate(big, 2.0);
        assertTrue(plan.predictedCost() <= greedy.predictedCost() * (1 + 1e-12));
        assertTrue(plan.predictedCost() >= greedy.lowerBound() * (1 - 1e-12));
    }

    @Test
    void planCarriesEverythingAndSurvivesJson() {
        AllocationProblem p = uniform(12, 256, AllocationProblem.DEFAULT_CANDIDATES, 5).withBasisOverheadBits(5000);
        for (Solver s : List.of(Solver.DP, Solver.GREEDY, Solver.MIP)) {
            AllocationPlan plan = new BitAllocation(Options.defaults().withSolver(s).withMode(Accounting.PLUS_BASIS)
                    .withMipTimeLimit(Duration.ofSeconds(5))).allocate(p, 3.0);
            assertEquals(s, plan.solver());
            assertEquals(12, plan.units());
            assertEquals(12, plan.histogram().values().stream().mapToInt(Integer::intValue).sum());
            assertTrue(plan.wallSeconds() >= 0 && plan.note() != null && !plan.note().isEmpty());
            assertTrue(plan.averageBits().plusBasis() <= 3.0);
            assertTrue(plan.summary().contains(s.name()), plan.summary());

            AllocationPlan back = AllocationPlan.fromJson(plan.toJson());
            assertArrayEquals(plan.bits(), back.bits());
            assertEquals(plan.predictedCost(), back.predictedCost());
            assertEquals(plan.lowerBound(), back.lowerBound());
            assertEquals(plan.gap(), back.gap());
            assertEquals(plan.averageBits(), back.averageBits());
            assertEquals(plan.mode(), back.mode());
            assertEquals(plan.solver(), back.solver());
            assertEquals(plan.state(), back.state());
            assertEquals(plan.histogram(), back.histogram());
            assertEquals(plan.note(), back.note());
        }
    }

    @Test
    void summaryGroupsByLayerProjectionAndExpert() {
        AllocationProblem p = uniform(12, 100, new int[] {0, 2, 4}, 6);
        AllocationConstraints pins = AllocationConstraints.NONE.withPin(UnitSelector.layer(0), 4)
                .withPin(UnitSelector.layer(1), 0).withPin(new UnitSelector(2, "gate", null, null), 2);
        AllocationPlan plan = new BitAllocation(Options.defaults().withCandidates(0, 2, 4).withConstraints(pins))
                .allocate(p, 4);
        List<AllocationSummary.Group> layers = AllocationSummary.byLayer(p, plan);
        assertEquals(3, layers.size());
        assertEquals(4.0, layers.get(0).averageBits(), 0);
        assertEquals(0.0, layers.get(1).averageBits(), 0);
        assertEquals(4, layers.get(2).units());
        assertEquals(2, layers.get(2).histogram().get(2)); // layer 2: units 2, 8 are gate
        assertEquals(6, AllocationSummary.byProjection(p, plan).size());
        AllocationSummary.Group g = AllocationSummary.byProjection(p, plan).stream()
                .filter(x -> x.layer() == 2 && x.projection().equals("gate")).findFirst().orElseThrow();
        assertEquals(2.0, g.averageBits(), 0);
        assertEquals(12, AllocationSummary.byExpert(p, plan).stream().mapToInt(AllocationSummary.Group::units).sum());
        assertTrue(AllocationSummary.table(layers).lines().count() == 4);
    }

    @Test
    void emptyProblemGivesAnEmptyPlan() {
        AllocationProblem p = new AllocationProblem(List.of(), new long[0], AllocationProblem.DEFAULT_CANDIDATES,
                new double[0], 1000, 0, 128);
        for (Solver s : Solver.values()) {
            AllocationPlan plan = new BitAllocation(Options.defaults().withSolver(s)).allocate(p, 2.0);
            assertEquals(0, plan.units());
            assertEquals(0.0, plan.predictedCost());
        }
    }

    @Test
    void badInputsAreRejected() {
        List<UnitId> one = List.of(new UnitId(0, "up", 0, 0));
        int[] c = {0, 2};
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {8}, c, new double[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {8}, c, new double[] {1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {0}, c, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {8}, new int[] {2, 2}, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {8}, new int[] {0, 17}, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> AllocationProblem.of(one, new long[] {8}, c, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withDpCellLimit(0));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withMipTimeLimit(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withCandidates());
        AllocationProblem p = AllocationProblem.of(one, new long[] {8}, c, new double[] {1, 0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BitAllocation(Options.defaults()).allocate(p, 2)); // default B has widths p lacks
        assertFalse(e instanceof BudgetInfeasibleException);
        assertTrue(e.getMessage().contains("no cost column"), e.getMessage());
    }
}
