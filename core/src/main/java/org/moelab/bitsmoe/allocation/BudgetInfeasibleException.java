package org.moelab.bitsmoe.allocation;

/**
 * The requested average bits cannot be met (or is not a valid average at all). The message states the
 * feasible range of average bits in the enforced accounting mode, which {@link #minAverageBits()} and
 * {@link #maxAverageBits()} also carry.
 */
public final class BudgetInfeasibleException extends IllegalArgumentException {

    private final double requested;
    private final double minAverageBits;
    private final double maxAverageBits;
    private final Accounting mode;

    public BudgetInfeasibleException(String message, double requested, double minAverageBits, double maxAverageBits,
                                     Accounting mode) {
        super(message);
        this.requested = requested;
        this.minAverageBits = minAverageBits;
        this.maxAverageBits = maxAverageBits;
        this.mode = mode;
    }

    public double requested() {
        return requested;
    }

    public double minAverageBits() {
        return minAverageBits;
    }

    public double maxAverageBits() {
        return maxAverageBits;
    }

    public Accounting mode() {
        return mode;
    }
}
