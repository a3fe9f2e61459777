package org.moelab.bitsmoe.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Test support: random small allocation problems and an independent brute-force reference that
 * enumerates every assignment. Bit counts are computed here from the documented formulas, not
 * through {@link Accounting}, so the reference does not share code with the solvers.
 */
final class Instances {

    static final int[] WIDTHS = {0, 1, 2, 3, 4, 8, 16};

    private Instances() {
    }

    /** A random problem plus the options, constraints and budget to solve it under. */
    record Case(AllocationProblem problem, Accounting mode, int[] candidates, AllocationConstraints constraints,
                double averageBits) {

        BitAllocation.Options options(BitAllocation.Solver solver) {
            return BitAllocation.Options.defaults().withSolver(solver).withMode(mode).withCandidates(candidates)
                    .withConstraints(constraints);
        }

        AllocationPlan solve(BitAllocation.Solver solver) {
            return new BitAllocation(options(solver)).allocate(problem, averageBits);
        }

        Case withBudget(double b) {
            return new Case(problem, mode, candidates, constraints, b);
        }

        Case withConstraints(AllocationConstraints c) {
            return new Case(problem, mode, candidates, c, averageBits);
        }

        @Override
        public String toString() {
            AllocationProblem p = problem;
            return "ids " + p.ids() + " sizes " + Arrays.toString(p.sizes()) + " widths " + Arrays.toString(p.candidates())
                    + " costs " + Arrays.toString(p.costs()) + " N " + p.totalWeights() + " basis " + p.basisOverheadBits()
                    + " g " + p.groupSize() + " mode " + mode + " B " + Arrays.toString(candidates) + " " + constraints
                    + " b̄ " + averageBits;
        }
    }

    /** Bits of one unit of n elements at width b in {@code mode}, per the Accounting javadoc (fixed overhead excluded). */
    static long bits(Accounting mode, long n, int b, int g) {
        if (mode == Accounting.PAYLOAD || b == 0) {
            return n * b;
        }
        long groupScales = b <= 8 ? 16 * ((n + g - 1) / g) : 0; // fp16 scale per group; none at 16 bits
        return n * b + groupScales + 16;                          // + fp16 component scalar s
    }

    static double fixedBits(AllocationProblem p, Accounting mode) {
        return mode == Accounting.PLUS_BASIS ? p.basisOverheadBits() : 0;
    }

    /** Total bits of an allocation, the fixed overhead included. */
    static double totalBits(AllocationProblem p, Accounting mode, byte[] w) {
        long sum = 0;
        for (int u = 0; u < p.units(); u++) {
            sum += bits(mode, p.sizes()[u], w[u], p.groupSize());
        }
        return sum + fixedBits(p, mode);
    }

    static double cost(AllocationProblem p, byte[] w) {
        double sum = 0;
        for (int u = 0; u < p.units(); u++) {
            sum += p.costs()[u * p.candidates().length + indexOf(p.candidates(), w[u])];
        }
        return sum;
    }

    /** True when {@code total} bits fit b̄·N (relative slack 1e-12, as for a b̄ given as B/N in floating point). */
    static boolean fits(double total, double averageBits, double weights) {
        double cap = averageBits * weights;
        return total <= cap + 1e-12 * Math.max(1, Math.abs(cap));
    }

    /** Widths unit u may take: candidates, ≥ the largest matching minimum, = a matching pin. */
    static int[] allowed(Case c, int u) {
        UnitId id = c.problem().ids().get(u);
        int min = 0;
        for (AllocationConstraints.MinBits m : c.constraints().minimums()) {
            if (m.select().matches(id)) {
                min = Math.max(min, m.bits());
            }
        }
        Integer pin = null;
        for (AllocationConstraints.Pin p : c.constraints().pins()) {
            if (p.select().matches(id)) {
                pin = p.bits();
            }
        }
        final int lo = min;
        final Integer fixed = pin;
        return Arrays.stream(c.candidates()).filter(b -> b >= lo && (fixed == null || b == fixed)).toArray();
    }

    /** The brute-force optimum: best cost and one optimal allocation, or null when nothing is feasible. */
    record Optimum(double cost, byte[] bits) {
    }

    static Optimum bruteForce(Case c) {
        AllocationProblem p = c.problem();
        int units = p.units();
        int[][] allowed = new int[units][];
        for (int u = 0; u < units; u++) {
            allowed[u] = allowed(c, u);
        }
        int[] at = new int[units];
        byte[] w = new byte[units];
        double best = Double.POSITIVE_INFINITY;
        byte[] bestBits = null;
        while (true) {
            for (int u = 0; u < units; u++) {
                w[u] = (byte) allowed[u][at[u]];
            }
            if (feasible(c, w)) {
                double cost = cost(p, w);
                if (cost < best) {
                    best = cost;
                    bestBits = w.clone();
                }
            }
            int u = 0;
            while (u < units && ++at[u] == allowed[u].length) {
                at[u++] = 0;
            }
            if (u == units) {
                break;
            }
        }
        return bestBits == null ? null : new Optimum(best, bestBits);
    }

    /** The global budget and every layer budget of the case hold for {@code w}. */
    static boolean feasible(Case c, byte[] w) {
        AllocationProblem p = c.problem();
        if (!fits(totalBits(p, c.mode(), w), c.averageBits(), p.totalWeights())) {
            return false;
        }
        long all = Arrays.stream(p.sizes()).sum();
        for (AllocationConstraints.LayerBudget lb : c.constraints().layerBudgets()) {
            long layerSize = 0;
            long layerBits = 0;
            for (int u = 0; u < p.units(); u++) {
                if (p.ids().get(u).layer() == lb.layer()) {
                    layerSize += p.sizes()[u];
                    layerBits += bits(c.mode(), p.sizes()[u], w[u], p.groupSize());
                }
            }
            double share = (double) layerSize / all;
            if (!fits(layerBits + fixedBits(p, c.mode()) * share, lb.maxAverageBits(), p.totalWeights() * share)) {
                return false;
            }
        }
        return true;
    }

    /** Widths respect the case's minimums and pins. */
    static boolean respectsConstraints(Case c, byte[] w) {
        for (int u = 0; u < w.length; u++) {
            if (indexOf(allowed(c, u), w[u]) < 0) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A random problem with {@code minUnits..maxUnits} units over {@code layers} layers, 2–4 candidate
     * widths (in random order), random sizes, group size, N, basis overhead and accounting mode; costs
     * either falling with width (the realistic shape) or arbitrary (exercises dominance pruning). With
     * {@code constrain}, sometimes a minimum and a pin. The budget is random within the feasible range.
     */
    static Case random(Random rnd, int minUnits, int maxUnits, int layers, boolean constrain) {
        int units = minUnits + rnd.nextInt(maxUnits - minUnits + 1);
        List<Integer> pool = new ArrayList<>(Arrays.stream(WIDTHS).boxed().toList());
        java.util.Collections.shuffle(pool, rnd);
        int[] cand = pool.subList(0, 2 + rnd.nextInt(3)).stream().mapToInt(Integer::intValue).toArray();
        List<UnitId> ids = new ArrayList<>();
        long[] sizes = new long[units];
        double[] costs = new double[units * cand.length];
        boolean monotone = rnd.nextBoolean();
        for (int u = 0; u < units; u++) {
            ids.add(new UnitId(rnd.nextInt(layers), rnd.nextBoolean() ? "gate" : "down", rnd.nextInt(3), u));
            sizes[u] = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 300);
            double scale = Math.exp(rnd.nextGaussian() * 2);
            for (int j = 0; j < cand.length; j++) {
                double c = monotone ? scale * Math.pow(2, -2.0 * cand[j]) * (0.5 + rnd.nextDouble())
                        : scale * rnd.nextDouble();
                costs[u * cand.length + j] = rnd.nextInt(20) == 0 ? 0 : c;
            }
        }
        long sum = Arrays.stream(sizes).sum();
        AllocationProblem p = new AllocationProblem(ids, sizes, cand, costs, rnd.nextBoolean() ? sum : sum + rnd.nextInt(500),
                rnd.nextBoolean() ? 0 : rnd.nextInt(2000), 1 + rnd.nextInt(130));
        Accounting mode = Accounting.values()[rnd.nextInt(3)];
        AllocationConstraints cons = AllocationConstraints.NONE;
        if (constrain && rnd.nextInt(3) == 0) {
            cons = cons.withMinimum(UnitSelector.unit(ids.get(rnd.nextInt(units))), cand[rnd.nextInt(cand.length)]);
        }
        if (constrain && rnd.nextInt(4) == 0) {
            cons = cons.withPin(UnitSelector.unit(ids.get(rnd.nextInt(units))), cand[rnd.nextInt(cand.length)]);
        }
        Case c = new Case(p, mode, cand, cons, 0);
        if (!consistent(c)) {
            c = c.withConstraints(AllocationConstraints.NONE);
        }
        double[] range = range(c);
        double lo = range[0];
        double hi = Math.min(16, range[1] * 1.05 + 0.01);
        if (lo > 16) {
            return random(rnd, minUnits, maxUnits, layers, constrain);
        }
        double b = switch (rnd.nextInt(4)) {
            case 0 -> lo;                                   // tightest feasible budget
            case 1 -> hi;                                   // above the maximum: everything fits
            default -> lo + (hi - lo) * rnd.nextDouble();   // anywhere in between
        };
        return c.withBudget(b);
    }

    /** Every unit keeps at least one allowed width (a pin below a minimum is rejected by the solver, tested elsewhere). */
    static boolean consistent(Case c) {
        for (int u = 0; u < c.problem().units(); u++) {
            if (allowed(c, u).length == 0) {
                return false;
            }
        }
        return true;
    }

    /** [smallest, largest] average bits any allowed allocation reaches. */
    static double[] range(Case c) {
        AllocationProblem p = c.problem();
        double lo = fixedBits(p, c.mode());
        double hi = lo;
        for (int u = 0; u < p.units(); u++) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int b : allowed(c, u)) {
                long w = bits(c.mode(), p.sizes()[u], b, p.groupSize());
                min = Math.min(min, w);
                max = Math.max(max, w);
            }
            lo += min;
            hi += max;
        }
        return new double[] {lo / p.totalWeights(), hi / p.totalWeights()};
    }
}
