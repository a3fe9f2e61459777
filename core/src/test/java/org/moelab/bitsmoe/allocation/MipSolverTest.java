package org.moelab.bitsmoe.allocation;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.allocation.BitAllocation.Solver;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MipSolverTest {

    /**
     * ojAlgo stops at its MIP gap tolerance (about 1e-5 relative on the shifted, scaled objective), so
     * MIP costs are compared within 1e-5 of the cost range rather than to round-off.
     */
    static void assertNearOptimal(double optimum, double mip, Instances.Case c, String what) {
        double tol = 1e-5 * Math.max(1e-12, Arrays.stream(c.problem().costs()).max().orElse(1) * c.problem().units());
        assertTrue(mip >= optimum - 1e-9 * Math.abs(optimum) - 1e-300, what + " MIP " + mip + " below optimum " + optimum);
        assertEquals(optimum, mip, tol, what);
    }

    @Test
    void mipAgreesWithDpOnSmallInstances() {
        Random rnd = new Random(101);
        for (int t = 0; t < 120; t++) {
            Instances.Case c = Instances.random(rnd, 1, 8, 2, true);
            String what = "case " + t + ": " + c;
            AllocationPlan mip = c.solve(Solver.MIP);
            AllocationPlan dp = c.solve(Solver.DP);
            assertEquals(Solver.MIP, mip.solver());
            assertTrue(Instances.feasible(c, mip.bits()), what + " MIP over budget");
            assertTrue(Instances.respectsConstraints(c, mip.bits()), what);
            assertNearOptimal(dp.predictedCost(), mip.predictedCost(), c, what);
            assertNotNull(mip.lowerBound(), what);
            assertTrue(mip.lowerBound() <= dp.predictedCost() * (1 + 1e-12), what + " LP bound above optimum");
            assertTrue(mip.gap() >= 0 && mip.gap() <= 1, what);
        }
    }

    @Test
    void perLayerBudgetsHoldAndMatchBruteForce() {
        Random rnd = new Random(202);
        int binding = 0;
        for (int t = 0; t < 120; t++) {
            Instances.Case c = Instances.random(rnd, 2, 7, 2, true);
            AllocationConstraints cons = c.constraints();
            for (int layer : layers(c)) {
                if (rnd.nextInt(4) != 0) {
                    double[] r = layerRange(c, layer);
                    if (r[0] > 16) {
                        continue;
                    }
                    double b = Math.min(16, r[0] + (r[1] * 1.05 - r[0]) * (rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble()));
                    cons = cons.withLayerBudget(layer, b);
                }
            }
            Instances.Case lc = c.withConstraints(cons);
            String what = "case " + t + ": " + lc;
            Instances.Optimum opt = Instances.bruteForce(lc);
            assertNotNull(opt, what);
            AllocationPlan auto = lc.solve(Solver.AUTO);
            assertEquals(cons.hasLayerBudgets() ? Solver.MIP : Solver.DP, auto.solver(), what);
            AllocationPlan mip = lc.solve(Solver.MIP);
            assertTrue(Instances.feasible(lc, mip.bits()), what + " MIP breaks a (layer) budget");
            assertTrue(Instances.respectsConstraints(lc, mip.bits()), what);
            assertNearOptimal(opt.cost(), mip.predictedCost(), lc, what);
            Instances.Optimum unconstrained = Instances.bruteForce(c);
            binding += opt.cost() > unconstrained.cost() * (1 + 1e-9) ? 1 : 0;
        }
        assertTrue(binding >= 15, "only " + binding + " cases had a binding layer budget");
    }

    static int[] layers(Instances.Case c) {
        return c.problem().ids().stream().mapToInt(UnitId::layer).distinct().sorted().toArray();
    }

    /** [min, max] average bits of one layer over its share of N, as AllocationConstraints.LayerBudget defines it. */
    static double[] layerRange(Instances.Case c, int layer) {
        AllocationProblem p = c.problem();
        long all = Arrays.stream(p.sizes()).sum();
        long size = 0;
        double lo = 0;
        double hi = 0;
        for (int u = 0; u < p.units(); u++) {
            if (p.ids().get(u).layer() == layer) {
                size += p.sizes()[u];
                int[] allowed = Instances.allowed(c, u);
                long min = Long.MAX_VALUE;
                long max = 0;
                for (int b : allowed) {
                    long w = Instances.bits(c.mode(), p.sizes()[u], b, p.groupSize());
                    min = Math.min(min, w);
                    max = Math.max(max, w);
                }
                lo += min;
                hi += max;
            }
        }
        double share = (double) size / all;
        double fixed = Instances.fixedBits(p, c.mode()) * share;
        double weights = p.totalWeights() * share;
        return new double[] {(lo + fixed) / weights, (hi + fixed) / weights};
    }
}
