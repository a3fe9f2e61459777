package org.moelab.baselines.routernorm;

import java.util.Arrays;
import java.util.Locale;

/**
 * Bit tiers by rank for router-norm mixed precision ("Efficient Quantization of Mixture-of-Experts with
 * Theoretical Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4): the first
 * {@code counts[0]} experts of the order get {@code levels[0]} bits, the next {@code counts[1]} get
 * {@code levels[1]}, and so on, so that the layer's average bits per expert hits the target.
 * <ul>
 *   <li>2 levels (default 3/2): {@code n_high = (b̄ − low)·E / (high − low)}.</li>
 *   <li>3 levels (default 3/2/1, equally spaced): the paper's code policy. Start from the 2-level split
 *   of the two levels that bracket b̄ (high/mid when b̄ ≥ mid, else mid/low), then repeatedly turn two
 *   mid experts into one high and one low (the total stays the same) while the region rule allows:
 *   b̄ above {@code high − (high−low)/3}: until fewer than 2 mid experts are left; b̄ between
 *   {@code high − 2(high−low)/3} and that: while the mid tier stays at least as large as the number of
 *   experts promoted so far; below: no move (the 2-level mid/low split). E = 16: 2.5 bits → 12/0/4,
 *   2.125 → 6/6/4, 2.0 → 5/6/5.</li>
 * </ul>
 * The target is reachable exactly when the 2-level count above is an integer within [0, E]; otherwise
 * {@link Rounding#EXACT} (default) refuses with the nearest achievable averages, and
 * {@link Rounding#NEAREST} rounds the count half-to-even (Python's {@code round} in the paper's code),
 * clamps it to [0, E] and reports the realised average.
 */
public final class TierAssignment {

    public enum Rounding {
        /** the target must be reachable exactly; otherwise {@link IllegalArgumentException} */
        EXACT,
        /** the nearest achievable split; {@link Tiers#exact()} says whether the target was hit */
        NEAREST
    }

    /**
     * @param levels   bit-widths, descending
     * @param counts   experts per level, same order; sums to E
     * @param target   the requested average bits per expert
     * @param realised the average the counts give, {@code Σ counts·levels / E}
     * @param exact    realised == target
     */
    public record Tiers(int[] levels, int[] counts, double target, double realised, boolean exact) {

        public int experts() {
            return Arrays.stream(counts).sum();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < levels.length; i++) {
                if (i > 0) b.append(" / ");
                b.append(counts[i]).append("×").append(levels[i]).append("b");
            }
            return String.format(Locale.ROOT, "%s: target %.4f realised %.4f%s", b, target, realised, exact ? "" : " (missed)");
        }
    }

    private static final double EPS = 1e-9;

    private final int[] levels;

    private TierAssignment(int... levels) {
        if (levels.length < 2 || levels.length > 3) throw new IllegalArgumentException("2 or 3 levels, got " + levels.length);
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] < 1 || levels[i] > 8) throw new IllegalArgumentException("levels must be 1..8 bits, got " + levels[i]);
            if (i > 0 && levels[i] >= levels[i - 1]) throw new IllegalArgumentException("levels must be strictly descending: " + Arrays.toString(levels));
        }
        if (levels.length == 3 && levels[0] - levels[1] != levels[1] - levels[2]) {
            throw new IllegalArgumentException("3 levels must be equally spaced (the 2-mid → high+low move keeps the total): " + Arrays.toString(levels));
        }
        this.levels = levels.clone();
    }

    /** 3 and 2 bits. */
    public static TierAssignment twoLevel() {
        return new TierAssignment(3, 2);
    }

    public static TierAssignment twoLevel(int high, int low) {
        return new TierAssignment(high, low);
    }

    /** 3, 2 and 1 bits. */
    public static TierAssignment threeLevel() {
        return new TierAssignment(3, 2, 1);
    }

    public static TierAssignment threeLevel(int high, int mid, int low) {
        return new TierAssignment(high, mid, low);
    }

    public int[] levels() {
        return levels.clone();
    }

    /** How many of {@code experts} experts get each level for the target average. */
    public Tiers counts(int experts, double target, Rounding rounding) {
        if (experts < 1) throw new IllegalArgumentException("no experts");
        if (!Double.isFinite(target)) throw new IllegalArgumentException("target must be finite, got " + target);
        int[] counts = new int[levels.length];
        boolean reachable;
        if (levels.length == 2) {
            Split s = split(experts, target, levels[0], levels[1]);
            reachable = s.exact;
            counts[0] = s.high;
            counts[1] = experts - s.high;
        } else {
            int high = levels[0];
            int mid = levels[1];
            int low = levels[2];
            int nh;
            int nm;
            int nl;
            int baseHigh;
            if (target >= mid) {
                Split s = split(experts, target, high, mid);
                reachable = s.exact;
                nh = s.high;
                nm = experts - s.high;
                nl = 0;
                baseHigh = nh;
            } else {
                Split s = split(experts, target, mid, low);
                reachable = s.exact;
                nh = 0;
                nm = s.high;
                nl = experts - s.high;
                baseHigh = 0;
            }
            double delta = high - low;
            boolean upper = target > high - delta / 3;
            boolean middle = !upper && target >= high - 2 * delta / 3;
            while (nm >= 2 && (upper || middle)) {
                if (middle && nm - 2 < nh + 1 - baseHigh) break;
                nh++;
                nm -= 2;
                nl++;
            }
            counts[0] = nh;
            counts[1] = nm;
            counts[2] = nl;
        }
        double realised = 0;
        for (int i = 0; i < levels.length; i++) realised += (double) counts[i] * levels[i];
        realised /= experts;
        boolean exact = reachable && Math.abs(realised - target) < EPS;
        if (!exact && rounding == Rounding.EXACT) {
            throw new IllegalArgumentException(unreachable(experts, target));
        }
        return new Tiers(levels.clone(), counts, target, realised, exact);
    }

    /** Bits per expert id (E) from an order (most bits first) and the tier counts. */
    public static int[] bits(int[] order, Tiers tiers) {
        if (tiers.experts() != order.length) {
            throw new IllegalArgumentException("tiers are for " + tiers.experts() + " experts, order has " + order.length);
        }
        int[] bits = new int[order.length];
        int rank = 0;
        for (int t = 0; t < tiers.levels().length; t++) {
            for (int c = 0; c < tiers.counts()[t]; c++) bits[order[rank++]] = tiers.levels()[t];
        }
        return bits;
    }

    private record Split(int high, boolean exact) {
    }

    /** Experts at {@code high} in a high/low split for the target: exact when integral and in range. */
    private static Split split(int experts, double target, int high, int low) {
        double x = (target - low) * experts / (high - low);
        long r = Math.round(x);
        boolean integral = Math.abs(x - r) < EPS * Math.max(1, Math.abs(x));
        if (integral && r >= 0 && r <= experts) return new Split((int) r, true);
        long n = (long) Math.rint(x);
        return new Split((int) Math.max(0, Math.min(experts, n)), false);
    }

    private String unreachable(int experts, double target) {
        int high = levels[0];
        int low = levels[levels.length - 1];
        String lv = Arrays.toString(levels);
        if (target < low - EPS || target > high + EPS) {
            return String.format(Locale.ROOT, "target %.4f bits per expert is outside [%d, %d] for levels %s", target, low, high, lv);
        }
        // Achievable averages are multiples of step/E between low and high (step = level spacing; any
        // integer number of high experts in the 2-level split around the target).
        int step = levels[0] - levels[1];
        int lo = levels.length == 3 && target < levels[1] ? levels[2] : levels[1];
        double q = (target - lo) * experts / step;
        double below = lo + Math.floor(q) * step / (double) experts;
        double above = lo + Math.ceil(q) * step / (double) experts;
        return String.format(Locale.ROOT,
                "target %.4f bits per expert is not reachable with E = %d experts at levels %s: nearest achievable "
                        + "averages %.4f and %.4f (use Rounding.NEAREST to take the nearest and report it)",
                target, experts, lv, below, above);
    }
}
