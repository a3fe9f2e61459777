package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Options;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetInfeasibleTest {

    private static final Pattern RANGE = Pattern.compile("feasible range[^\\[]*\\[([-+0-9.eE]+), ([-+0-9.eE]+)\\]");

    /** Four units of 100 elements in layers 0 and 1, widths {1, 2, 4}: payload average range [1, 4]. */
    static AllocationProblem problem() {
        List<UnitId> ids = List.of(new UnitId(0, "gate", 0, 0), new UnitId(0, "gate", 1, 0),
                new UnitId(1, "gate", 0, 0), new UnitId(1, "gate", 1, 0));
        double[] costs = {4, 2, 1, 5, 3, 1, 6, 2, 1, 7, 3, 2};
        return AllocationProblem.of(ids, new long[] {100, 100, 100, 100}, new int[] {1, 2, 4}, costs);
    }

    static Options options(Solver s) {
        return Options.defaults().withSolver(s).withCandidates(1, 2, 4);
    }

    /** The exception states the feasible range in its message and carries it. */
    static void assertInfeasible(Options o, double b, double min, double max) {
        BudgetInfeasibleException e = assertThrows(BudgetInfeasibleException.class,
                () -> new BitAllocation(o).allocate(problem(), b));
        Matcher m = RANGE.matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        assertEquals(min, Double.parseDouble(m.group(1)), 1e-5 * Math.max(1, min), e.getMessage());
        assertEquals(max, Double.parseDouble(m.group(2)), 1e-5 * max, e.getMessage());
        assertEquals(min, e.minAverageBits(), 1e-12);
        assertEquals(max, e.maxAverageBits(), 1e-12);
        assertEquals(o.mode(), e.mode());
        assertTrue(Double.isNaN(b) ? Double.isNaN(e.requested()) : e.requested() == b);
    }

    @Test
    void invalidAndUnreachableBudgetsStateTheFeasibleRange() {
        for (Solver s : Solver.values()) {
            for (double b : new double[] {-0.5, Double.NaN, 16.01, Double.POSITIVE_INFINITY, 0.99}) {
                assertInfeasible(options(s), b, 1, 4);
            }
        }
        // in +scales each unit adds one group scale and s: 32 bits over 100 elements
        assertInfeasible(options(Solver.DP).withMode(Accounting.PLUS_SCALES), 1.2, 1.32, 4.32);
    }

    @Test
    void minimumsRaiseTheFeasibleMinimum() {
        // layer 0 must have ≥ 2 bits, unit (1, gate, 1) ≥ 4 bits: minimum (2 + 2 + 1 + 4)/4 = 2.25
        AllocationConstraints cons = AllocationConstraints.NONE.withMinimum(UnitSelector.layer(0), 2)
                .withMinimum(UnitSelector.expert(1, 1), 4);
        for (Solver s : List.of(Solver.DP, Solver.GREEDY, Solver.MIP, Solver.AUTO)) {
            assertInfeasible(options(s).withConstraints(cons), 2.2, 2.25, 4);
            AllocationPlan plan = new BitAllocation(options(s).withConstraints(cons)).allocate(problem(), 2.25);
            assertEquals(2.25, plan.averageBits().payload(), 1e-12, s.name());
        }
    }

    @Test
    void budgetsAtTheEdgesAreAccepted() {
        AllocationPlan low = new BitAllocation(options(Solver.DP)).allocate(problem(), 1.0);
        assertEquals(1.0, low.averageBits().payload(), 0);
        // above the maximum but ≤ 16: every unit takes its cheapest width
        AllocationPlan high = new BitAllocation(options(Solver.GREEDY)).allocate(problem(), 16.0);
        assertEquals(1 + 1 + 1 + 2, high.predictedCost(), 0);
        assertEquals("OPTIMAL", high.state());
    }

    @Test
    void layerBudgetsNeedTheMipSolver() {
        AllocationConstraints cons = AllocationConstraints.NONE.withLayerBudget(0, 1.5);
        for (Solver s : List.of(Solver.DP, Solver.GREEDY)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BitAllocation(options(s).withConstraints(cons)).allocate(problem(), 3.0));
            assertFalse(e instanceof BudgetInfeasibleException, e.getMessage());
            assertTrue(e.getMessage().contains("per-layer") && e.getMessage().contains("MIP"), e.getMessage());
        }
        AllocationPlan plan = new BitAllocation(options(Solver.AUTO).withConstraints(cons)).allocate(problem(), 3.0);
        assertEquals(Solver.MIP, plan.solver());
        assertTrue((plan.bits(0) + plan.bits(1)) / 2.0 <= 1.5, plan.summary());
    }

    @Test
    void unreachableLayerBudgetStatesTheLayerRange() {
        AllocationConstraints cons = AllocationConstraints.NONE.withMinimum(UnitSelector.expert(1, 0), 2)
                .withLayerBudget(1, 1.4);
        BudgetInfeasibleException e = assertThrows(BudgetInfeasibleException.class,
                () -> new BitAllocation(options(Solver.MIP).withConstraints(cons)).allocate(problem(), 3.0));
        assertTrue(e.getMessage().contains("layer 1"), e.getMessage());
        assertEquals(1.5, e.minAverageBits(), 1e-12);
        assertEquals(4.0, e.maxAverageBits(), 1e-12);
        Matcher m = RANGE.matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        assertEquals(1.5, Double.parseDouble(m.group(1)), 1e-9);

        IllegalArgumentException noLayer = assertThrows(IllegalArgumentException.class, () -> new BitAllocation(
                options(Solver.MIP).withConstraints(AllocationConstraints.NONE.withLayerBudget(7, 2)))
                .allocate(problem(), 3.0));
        assertTrue(noLayer.getMessage().contains("layer 7"), noLayer.getMessage());
    }

    @Test
    void contradictoryConstraintsAreRejected() {
        UnitSelector u0 = UnitSelector.unit(new UnitId(0, "gate", 0, 0));
        for (AllocationConstraints bad : List.of(
                AllocationConstraints.NONE.withPin(u0, 3),                                  // not a candidate
                AllocationConstraints.NONE.withPin(u0, 1).withMinimum(u0, 2),              // pin below minimum
                AllocationConstraints.NONE.withPin(u0, 1).withPin(UnitSelector.layer(0), 2), // two pins
                AllocationConstraints.NONE.withMinimum(u0, 8))) {                          // no width left
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BitAllocation(options(Solver.DP).withConstraints(bad)).allocate(problem(), 3.0));
            assertFalse(e instanceof BudgetInfeasibleException, e.getMessage());
        }
    }
}
