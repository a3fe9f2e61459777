package org.moelab.bitsmoe;

import org.moelab.Progress;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.artifact.ArtifactManifest;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.execution.Component;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.PackedComponent;
import org.moelab.model.MoeModel;
import org.moelab.quant.PackedLayout;
import org.moelab.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link BitsMoe}'s stages in order with timing, memory and the reports users ask for: the
 * calibration coverage (never silent), the plan with its estimates (dry run), and the end-of-run summary
 * (planned vs achieved bits, fallbacks, per-stage time and peak heap).
 */
public final class BitsMoeRunner {

    /** Wall time and peak heap of one stage. */
    public record StageTime(String stage, double seconds, long peakHeapBytes) {
    }

    /** What a dry run predicts for the real run. */
    public record Estimate(long artifactBytes, long peakMemoryBytes, double packAndWriteSeconds) {
    }

    /** Everything up to the allocation: what {@code allocate --dry-run} shows. */
    public record Planned(BitsMoeOptions options, List<LayerDecomposition> decompositions, Map<Integer, LayerStatistics> statistics,
                          CalibrationCoverage coverage, List<CostModel.ProjectionCosts> costs, AllocationProblem problem,
                          AllocationPlan plan, CalibrationSet calibration,
                          List<StageTime> stages, Estimate estimate, List<String> fallbacks) {
    }

    /** The end-of-run summary of a quantization. */
    public record Summary(ArtifactManifest manifest, double plannedPayloadBits, double achievedPayloadBits,
                         double achievedBitsWithScales, List<StageTime> stages, List<String> fallbacks, double seconds) {
    }

    private BitsMoeRunner() {
    }

    public static Planned plan(MoeModel model, BitsMoeOptions o, CalibrationSet calibration, Progress progress) {
        return plan(model, o, calibration, null, progress);
    }

    /**
     * As {@link #plan(MoeModel, BitsMoeOptions, CalibrationSet, Progress)}, saving each layer's work to
     * {@code work} as soon as it is done and reusing what an interrupted run left there (null: keep nothing).
     */
    public static Planned plan(MoeModel model, BitsMoeOptions o, CalibrationSet calibration, RunCheckpoint work, Progress progress) {
        BitsMoe b = new BitsMoe(o);
        List<StageTime> stages = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        Stopwatch sw = new Stopwatch();
        List<Integer> layers = b.layers(model);
        List<LayerDecomposition> d = new ArrayList<>();
        int reused = 0;
        for (int i = 0; i < layers.size(); i++) {
            int l = layers.get(i);
            var saved = work == null ? java.util.Optional.<LayerDecomposition>empty() : work.decomposition(l);
            if (saved.isPresent()) reused++;
            LayerDecomposition ld = saved.orElseGet(() -> b.decomposeLayer(model, l));
            if (work != null && saved.isEmpty()) work.save(ld);
            d.add(ld);
            progress.update("decompose", i + 1, layers.size());
        }
        stages.add(sw.lap("decompose"));
        var savedStats = work == null ? java.util.Optional.<Map<Integer, LayerStatistics>>empty() : work.statistics();
        Map<Integer, LayerStatistics> stats = savedStats.orElseGet(() -> b.calibrate(model, d, calibration, progress));
        if (work != null && savedStats.isEmpty()) work.save(stats);
        stages.add(sw.lap("calibrate"));
        if (reused > 0 || savedStats.isPresent()) {
            fallbacks.add("resumed: " + reused + " decomposed layers" + (savedStats.isPresent() ? " and the calibration statistics" : "")
                    + " taken from " + work.directory());
        }
        CalibrationCoverage coverage = b.coverage(stats);
        coverage.enforce();
        if (!coverage.flagged().isEmpty() && o.coveragePolicy() == CalibrationCoverage.Policy.ROUTE_ALL) {
            b.routeAllForFlagged(model, d, calibration, stats, coverage, progress);
            stages.add(sw.lap("route-all"));
            fallbacks.add(coverage.flagged().size() + " under-covered experts (< " + coverage.threshold()
                    + " tokens): statistics gathered over all calibration tokens of their layer (route-all)");
        } else if (!coverage.flagged().isEmpty()) {
            fallbacks.add(coverage.flagged().size() + " under-covered experts (< " + coverage.threshold()
                    + " tokens) get the cost floor (" + o.floorWeight() + " × layer mean energy)");
        }
        List<CostModel.ProjectionCosts> costs = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            LayerDecomposition ld = d.get(i);
            var saved = work == null ? java.util.Optional.<List<CostModel.ProjectionCosts>>empty() : work.costs(ld.layer(), o.candidates());
            List<CostModel.ProjectionCosts> lc = saved.orElseGet(() -> b.layerCosts(ld, stats));
            if (work != null && saved.isEmpty()) work.saveCosts(ld.layer(), lc);
            costs.addAll(lc);
            progress.update("cost model", i + 1, d.size());
        }
        stages.add(sw.lap("cost model"));
        AllocationProblem problem = b.problem(model, costs);
        AllocationPlan plan = b.allocate(problem, progress);
        stages.add(sw.lap("allocate"));
        if (o.solver() == org.moelab.bitsmoe.allocation.BitAllocation.Solver.AUTO && plan.solver() != org.moelab.bitsmoe.allocation.BitAllocation.Solver.DP) {
            fallbacks.add("exact DP too large for " + problem.units() + " units: " + plan.solver() + " used, gap " + plan.gap());
        }
        double costSeconds = stages.stream().filter(x -> x.stage().equals("cost model")).findFirst().orElseThrow().seconds();
        Estimate est = new Estimate(estimatedBytes(model, problem, plan, o), estimatedPeak(model, d, problem),
                costSeconds / Math.max(1, o.candidates().length) + 1e-9 * model.checkpoint().totalBytes() * 2);
        return new Planned(o, d, stats, coverage, costs, problem, plan, calibration, stages, est, fallbacks);
    }

    public static Summary quantize(MoeModel model, Planned p, Path out, Progress progress) {
        return quantize(model, p, out, null, progress);
    }

    /** Packs and writes the artifact; on success the run's work directory (if any) is removed. */
    public static Summary quantize(MoeModel model, Planned p, Path out, RunCheckpoint work, Progress progress) {
        BitsMoe b = new BitsMoe(p.options());
        List<StageTime> stages = new ArrayList<>(p.stages());
        Stopwatch sw = new Stopwatch();
        List<QuantizedLayer> layers = b.pack(p.decompositions(), p.plan(), progress);
        stages.add(sw.lap("pack"));
        ArtifactManifest m = BitsMoeArtifact.write(out, model, p.options(), layers, p.plan(), p.calibration(), progress);
        stages.add(sw.lap("write"));
        if (work != null) work.finish();
        long payload = 0, withScales = 0;
        for (QuantizedLayer l : layers) {
            for (FactorizedExperts f : List.of(l.gate(), l.up(), l.down())) {
                for (Component c : f.components()) {
                    if (c instanceof PackedComponent pc) {
                        payload += pc.vector().storageBits().payload();
                        withScales += pc.vector().storageBits().withScales() + 16;
                    }
                }
            }
        }
        double n = p.problem().totalWeights();
        double seconds = stages.stream().mapToDouble(StageTime::seconds).sum();
        return new Summary(m, p.plan().averageBits().payload(), payload / n, withScales / n, stages, p.fallbacks(), seconds);
    }

    /** Source bytes minus the quantized experts, plus packed payloads, scales, s, bits tables and bases. */
    static long estimatedBytes(MoeModel model, AllocationProblem problem, AllocationPlan plan, BitsMoeOptions o) {
        long bytes = model.checkpoint().totalBytes();
        long expertBytes = 0;
        List<Integer> layers = problem.ids().stream().map(u -> u.layer()).distinct().toList();
        for (int l : layers) {
            for (var e : model.layers().get(l).moe().experts()) {
                for (Tensor t : List.of(e.gate(), e.up(), e.down())) expertBytes += t.data().byteSize();
            }
        }
        bytes -= expertBytes;
        for (int u = 0; u < plan.units(); u++) {
            int b = plan.bits(u);
            int n = (int) problem.sizes()[u];
            bytes += 1; // bits table
            if (b == 0) continue;
            bytes += PackedLayout.forBits(b).bytes(n) + 2 + (b <= 8 ? 2L * ((n + o.groupSize() - 1) / o.groupSize()) : 0);
        }
        return bytes + (long) (problem.basisOverheadBits() / 8);
    }

    /** Mapped model + decomposition floats + cost table + packed copy. */
    static long estimatedPeak(MoeModel model, List<LayerDecomposition> d, AllocationProblem problem) {
        long floats = 0;
        for (LayerDecomposition l : d) {
            for (var f : l.projections()) floats += f.units().length + f.basis().length + f.scales().length + f.eigenvalues().length * 2L;
        }
        return model.checkpoint().totalBytes() + 4 * floats + 8L * problem.costs().length + problem.units() * 64L;
    }

    /** Peak used heap since the last reset, summed over the heap pools. */
    public static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peak += pool.getPeakUsage().getUsed();
        }
        return peak;
    }

    /** Wall time and peak heap between laps (peak usage of the heap pools, reset at each lap). */
    static final class Stopwatch {
        private long t0 = System.nanoTime();

        Stopwatch() {
            resetPeaks();
        }

        StageTime lap(String stage) {
            long now = System.nanoTime();
            StageTime t = new StageTime(stage, (now - t0) / 1e9, peakHeapBytes());
            t0 = now;
            resetPeaks();
            return t;
        }

        private static void resetPeaks() {
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        }
    }
}
