package org.moelab.bitsmoe.allocation;

import org.moelab.Progress;

import java.util.Locale;

/**
 * Exact multiple-choice knapsack by dynamic programming over the integer budget (methods.md §1.4).
 * <p>
 * Weights are first shifted by each unit's smallest weight (so every unit has a zero-weight choice and
 * every DP state is feasible) and divided by the gcd of all shifted weights; the capacity is clipped at
 * Σ of the largest shifted weights. dp_u[c] = least cost of units 0..u−1 within capacity c, a rolling
 * pair of rows of (capacity+1) doubles: O(U · capacity · |B|) time.
 * <p>
 * The choices are kept as one byte per (unit, capacity) for a segment of units at a time: when all units
 * fit in {@link #CHOICE_BYTES}, one pass; otherwise a first pass keeps a checkpoint row every S units
 * (S balanced so checkpoints and one segment's choices cost about the same memory) and the backtrack
 * recomputes each segment from its checkpoint, last segment first — twice the arithmetic, memory
 * O((U/S + S) · capacity).
 */
final class DpSolver {

    /** Choice bytes kept at once before switching to checkpointing. */
    static final long CHOICE_BYTES = 1L << 27;
    private static final int MAX_ROW = Integer.MAX_VALUE - 16;

    record Result(int[] choice, double optimum, long cells) {
    }

    private final AllocationInstance in;
    private final int[] w;       // shifted, gcd-divided weights, flattened as in.weight
    private final int capacity;
    private final Progress progress;

    private DpSolver(AllocationInstance in, int[] w, int capacity, Progress progress) {
        this.in = in;
        this.w = w;
        this.capacity = capacity;
        this.progress = progress;
    }

    /** Cells U × (capacity + 1) the DP would touch for this budget, after the gcd reduction. */
    static long cells(AllocationInstance in, long capBits) {
        Reduced r = reduce(in, capBits);
        return (long) in.units * (r.capacity + 1);
    }

    private record Reduced(int[] w, long capacity) {
    }

    private static Reduced reduce(AllocationInstance in, long capBits) {
        long g = 0;
        long minSum = 0;
        long maxShifted = 0;
        for (int u = 0; u < in.units; u++) {
            long base = in.weight[in.start[u]];
            minSum += base;
            for (int i = in.start[u] + 1; i < in.start[u + 1]; i++) {
                g = gcd(g, in.weight[i] - base);
            }
            maxShifted += in.weight[in.start[u + 1] - 1] - base;
        }
        if (g == 0) {
            g = 1;
        }
        long cap = Math.min((capBits - minSum) / g, maxShifted / g);
        int[] w = new int[in.weight.length];
        if (cap <= MAX_ROW) {
            for (int u = 0; u < in.units; u++) {
                long base = in.weight[in.start[u]];
                for (int i = in.start[u]; i < in.start[u + 1]; i++) {
                    long shifted = (in.weight[i] - base) / g;
                    w[i] = (int) Math.min(shifted, cap + 1); // beyond capacity: never fits
                }
            }
        }
        return new Reduced(w, cap);
    }

    static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Solves; refuses (IllegalArgumentException) when U × (capacity+1) exceeds {@code cellLimit}. */
    static Result solve(AllocationInstance in, long capBits, long cellLimit, Progress progress) {
        Reduced r = reduce(in, capBits);
        long cells = (long) in.units * (r.capacity + 1);
        if (r.capacity > MAX_ROW || cells > cellLimit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "DP would need U × capacity = %d × %d = %.3g cells, over the limit of %.3g; use solver GREEDY "
                            + "(convex-hull greedy, reports its LP gap) or raise dpCellLimit", in.units, r.capacity + 1,
                    (double) cells, (double) cellLimit));
        }
        if (in.units == 0) {
            return new Result(new int[0], 0.0, 0); // nothing to allocate (run() would divide by zero)
        }
        return new DpSolver(in, r.w, (int) r.capacity, progress).run(cells);
    }

    private Result run(long cells) {
        int units = in.units;
        int row = capacity + 1;
        long segmentLong = Math.max(CHOICE_BYTES / row, (long) Math.ceil(Math.sqrt(8.0 * units)));
        segmentLong = Math.min(segmentLong, Math.max(1, MAX_ROW / row));
        int segment = (int) Math.min(units, segmentLong);
        int segments = (units + segment - 1) / segment;
        boolean twoPass = segments > 1;
        long work = twoPass ? 2L * units : units;
        double[] prev = new double[row];
        double[] next = new double[row];
        double[][] checkpoints = new double[segments][];
        checkpoints[0] = new double[row];
        long done = 0;
        double optimum;
        if (twoPass) {
            for (int u = 0; u < units; u++) {
                if (u % segment == 0 && u > 0) {
                    checkpoints[u / segment] = prev.clone();
                }
                step(u, prev, next, null, 0);
                double[] t = prev;
                prev = next;
                next = t;
                if ((++done & 1023) == 0) {
                    progress.update("allocation dp", done, work);
                }
            }
            optimum = prev[capacity];
        } else {
            optimum = Double.NaN;
        }
        int[] choice = new int[units];
        byte[] chosen = new byte[segment * row];
        int c = capacity;
        for (int k = segments - 1; k >= 0; k--) {
            int from = k * segment;
            int to = Math.min(units, from + segment);
            System.arraycopy(checkpoints[k], 0, prev, 0, row);
            checkpoints[k] = null;
            for (int u = from; u < to; u++) {
                step(u, prev, next, chosen, (u - from) * row);
                double[] t = prev;
                prev = next;
                next = t;
                if ((++done & 1023) == 0) {
                    progress.update("allocation dp", done, work);
                }
            }
            if (!twoPass) {
                optimum = prev[capacity];
            }
            for (int u = to - 1; u >= from; u--) {
                int pick = in.start[u] + chosen[(u - from) * row + c];
                choice[u] = pick;
                c -= w[pick];
            }
        }
        progress.update("allocation dp", work, work);
        return new Result(choice, optimum, cells);
    }

    /**
     * next[c] = min over unit u's choices i with w_i ≤ c of prev[c − w_i] + cost_i; the first choice has
     * w = 0. With {@code chosen}, the winning choice's local index is stored at chosen[off + c].
     */
    private void step(int u, double[] prev, double[] next, byte[] chosen, int off) {
        int s = in.start[u];
        int e = in.start[u + 1];
        int row = capacity + 1;
        double c0 = in.cost[s];
        for (int c = 0; c < row; c++) {
            next[c] = prev[c] + c0;
        }
        if (chosen != null) {
            java.util.Arrays.fill(chosen, off, off + row, (byte) 0);
        }
        for (int i = s + 1; i < e; i++) {
            int wi = w[i];
            if (wi > capacity) {
                break; // weights ascend
            }
            double ci = in.cost[i];
            if (chosen == null) {
                for (int c = wi; c < row; c++) {
                    next[c] = Math.min(next[c], prev[c - wi] + ci);
                }
            } else {
                byte local = (byte) (i - s);
                for (int c = wi; c < row; c++) {
                    double v = prev[c - wi] + ci;
                    if (v < next[c]) {
                        next[c] = v;
                        chosen[off + c] = local;
                    }
                }
            }
        }
    }
}
