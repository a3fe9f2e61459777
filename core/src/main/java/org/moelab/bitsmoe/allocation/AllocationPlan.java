package org.moelab.bitsmoe.allocation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.UncheckedIOException;
import java.util.SortedMap;

/**
 * The result of a BitsMoE bit allocation (methods.md §1.4 "every plan reports"). JSON with Jackson
 * ({@link #toJson()}, {@link #fromJson(String)}); {@code bits} travels as base64.
 *
 * @param bits              (U) chosen width b_u of every unit, in the problem's unit order
 * @param predictedCost     Σ_u c_{u, b_u}
 * @param lowerBound        a lower bound on the optimum: the optimum itself for DP, the LP relaxation for
 *                          GREEDY and MIP (null when not available)
 * @param gap               (cost − lowerBound) / cost: 0 for DP, the LP gap for GREEDY, the gap to the LP
 *                          relaxation for MIP (an upper bound on the true MIP gap); null when unknown
 * @param averageBits       realised average bits per weight in every accounting mode
 * @param mode              the accounting mode the budget was enforced in
 * @param budgetAverageBits the requested b̄
 * @param solver            the solver that ran (never AUTO)
 * @param state             OPTIMAL for DP; FEASIBLE for GREEDY (or OPTIMAL when every increment fitted); ojAlgo's state for MIP
 * @param wallSeconds       wall time of the allocation, preparation included
 * @param histogram         width → number of units
 * @param note              solver remarks (e.g. what ojAlgo's OPTIMAL means)
 */
public record AllocationPlan(byte[] bits, double predictedCost, Double lowerBound, Double gap, AverageBits averageBits,
                             Accounting mode, double budgetAverageBits, BitAllocation.Solver solver, String state,
                             double wallSeconds, SortedMap<Integer, Integer> histogram, String note) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Realised average bits per weight (total bits / N) in the three accounting modes. */
    public record AverageBits(double payload, double plusScales, double plusBasis) {
        public double in(Accounting mode) {
            return switch (mode) {
                case PAYLOAD -> payload;
                case PLUS_SCALES -> plusScales;
                case PLUS_BASIS -> plusBasis;
            };
        }

        static AverageBits of(AllocationProblem p, byte[] bits) {
            return new AverageBits(p.averageBits(bits, Accounting.PAYLOAD), p.averageBits(bits, Accounting.PLUS_SCALES),
                    p.averageBits(bits, Accounting.PLUS_BASIS));
        }
    }

    public int units() {
        return bits.length;
    }

    public int bits(int unit) {
        return bits[unit];
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static AllocationPlan fromJson(String json) {
        try {
            return JSON.readValue(json, AllocationPlan.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line for logs and notebook captions. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%s %s: cost %.6g, gap %s, avg bits payload %.4f / +scales %.4f / +basis %.4f (budget %.4f in %s), %.3f s",
                solver, state, predictedCost, gap == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3g", gap),
                averageBits.payload(), averageBits.plusScales(), averageBits.plusBasis(), budgetAverageBits, mode,
                wallSeconds);
    }
}
