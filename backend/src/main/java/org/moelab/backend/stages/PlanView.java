package org.moelab.backend.stages;

import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationSummary;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;

import java.util.List;
import java.util.Locale;
import java.util.SortedMap;

/**
 * The allocation plan with its coverage report and estimates: what a dry run shows (the CLI's allocate --json), plus
 * per (layer, projection, expert) groups for the layer × expert bits heatmap.
 */
public record PlanView(double bits, String mode, double bitsPayload, double bitsWithScales, double bitsWithBasis,
                       SortedMap<Integer, Integer> histogram, List<AllocationSummary.Group> byLayerProjection,
                       List<AllocationSummary.Group> byLayerExpert, double predictedCost,
                       String solver, String state, Double gap, double allocationSeconds, Coverage coverage, Estimate estimate,
                       List<BitsMoeRunner.StageTime> stages, List<String> fallbacks, Calibration calibration) {

    /** Routed calibration tokens per (layer, expert), the flag threshold and who was flagged. */
    public record Coverage(List<Integer> layers, long[][] tokens, long threshold, String policy, List<CalibrationCoverage.Flag> flagged) {
    }

    public record Estimate(long artifactBytes, long peakMemoryBytes, double packAndWriteSeconds) {
    }

    public record Calibration(String name, int sequences, int length, long seed, String sha256) {
    }

    public static PlanView of(BitsMoeRunner.Planned p) {
        AllocationPlan plan = p.plan();
        CalibrationCoverage c = p.coverage();
        CalibrationSet cal = p.calibration();
        return new PlanView(plan.budgetAverageBits(), plan.mode().name().toLowerCase(Locale.ROOT), plan.averageBits().payload(),
                plan.averageBits().plusScales(), plan.averageBits().plusBasis(), plan.histogram(),
                AllocationSummary.byProjection(p.problem(), plan), AllocationSummary.byExpert(p.problem(), plan), plan.predictedCost(), plan.solver().name().toLowerCase(Locale.ROOT),
                plan.state(), plan.gap(), plan.wallSeconds(),
                new Coverage(c.layers(), c.tokens(), c.threshold(), c.policy().name().toLowerCase(Locale.ROOT), c.flagged()),
                new Estimate(p.estimate().artifactBytes(), p.estimate().peakMemoryBytes(), p.estimate().packAndWriteSeconds()),
                p.stages(), p.fallbacks(),
                cal == null ? null : new Calibration(cal.name(), cal.sequences().length,
                        cal.sequences().length == 0 ? 0 : cal.sequences()[0].length, cal.seed(), cal.sha256()));
    }
}
