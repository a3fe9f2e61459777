package org.moelab.compare;

import java.util.Map;

/**
 * One cell of the comparison: a method at a bit-width, measured by the same harness as every other.
 *
 * @param bits           the width it actually ran at (uniform methods: the nearest honest integer widths)
 * @param requestedBits  the budget that asked for it
 * @param bitsPayload    realised average bits per routed-expert weight, payload only
 * @param bitsWithScales … with scales (and zero points, s values)
 * @param bitsWithBasis  … with BitsMoE's shared bases as well (= with scales for the other methods)
 * @param tasks          zero-shot accuracy per task (acc)
 * @param note           how it was reached, or why it could not be
 */
public record MethodResult(String method, double bits, double requestedBits, Double bitsPayload, Double bitsWithScales,
                           Double bitsWithBasis, Double ppl, Double klMean, Double sameTopPct, Double expertShift,
                           Map<String, Double> tasks, Double quantSeconds, String note) {
}
