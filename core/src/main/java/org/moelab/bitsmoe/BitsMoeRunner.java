package org.moelab.bitsmoe;

import org.moelab.Progress;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.artifact.ArtifactManifest;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.Calibration;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.bitsmoe.execution.Component;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.PackedComponent;
import org.moelab.model.MoeModel;
import org.moelab.quant.PackedLayout;
import org.moelab.quant.SymmetricGroupQuantizer;
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
     * With {@code work}, the fp32 factors (E·r·I floats per projection) are not kept: each layer's stay on the heap
     * only while that layer is decomposed or costed, and {@link Planned#decompositions()} reads them back from
     * {@code work} one layer per {@code get}. What stays for the whole run is the bases (for calibration), the
     * statistics and the cost tables the allocation needs. Without {@code work} every layer stays in memory.
     */
    public static Planned plan(MoeModel model, BitsMoeOptions o, CalibrationSet calibration, RunCheckpoint work, Progress progress) {
        BitsMoe b = new BitsMoe(o);
        List<StageTime> stages = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        Stopwatch sw = new Stopwatch();
        List<Integer> layers = b.layers(model);
        List<LayerDecomposition> held = new ArrayList<>();
        List<Calibration.LayerBases> bases = new ArrayList<>();   // per layer: gate and up (r, H)
        int reused = 0;
        for (int i = 0; i < layers.size(); i++) {
            int l = layers.get(i);
            var saved = work == null ? java.util.Optional.<LayerDecomposition>empty() : work.decomposition(l);
            if (saved.isPresent()) reused++;
            LayerDecomposition ld = saved.orElseGet(() -> b.decomposeLayer(model, l));
            if (work != null && saved.isEmpty()) work.save(ld);
            bases.add(new Calibration.LayerBases(l, ld.gate().rank(), ld.gate().basis(), ld.up().basis()));
            if (work == null) held.add(ld);
            model.releaseMappedPages();
            progress.update("decompose", i + 1, layers.size());
        }
        List<LayerDecomposition> d = work == null ? held : work.decompositions(layers);
        stages.add(sw.lap("decompose"));
        var savedStats = work == null ? java.util.Optional.<Map<Integer, LayerStatistics>>empty() : work.statistics();
        // = b.calibrate(model, d, …), from the bases alone
        Map<Integer, LayerStatistics> stats = savedStats.orElseGet(() -> Calibration.run(model, calibration, bases, progress));
        bases.clear();
        if (work != null && savedStats.isEmpty()) work.save(stats);
        model.releaseMappedPages();
        stages.add(sw.lap("calibrate"));
        if (reused > 0 || savedStats.isPresent()) {
            fallbacks.add("resumed: " + reused + " decomposed layers" + (savedStats.isPresent() ? " and the calibration statistics" : "")
                    + " taken from " + work.directory());
        }
        CalibrationCoverage coverage = b.coverage(stats);
        coverage.enforce();
        if (!coverage.flagged().isEmpty() && o.coveragePolicy() == CalibrationCoverage.Policy.ROUTE_ALL) {
            b.routeAllForFlagged(model, d, calibration, stats, coverage, progress);
            model.releaseMappedPages();
            stages.add(sw.lap("route-all"));
            fallbacks.add(coverage.flagged().size() + " under-covered experts (< " + coverage.threshold()
                    + " tokens): statistics gathered over all calibration tokens of their layer (route-all)");
        } else if (!coverage.flagged().isEmpty()) {
            fallbacks.add(coverage.flagged().size() + " under-covered experts (< " + coverage.threshold()
                    + " tokens) get the cost floor (" + o.floorWeight() + " × layer mean energy)");
        }
        List<CostModel.ProjectionCosts> costs = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            int l = layers.get(i);
            var saved = work == null ? java.util.Optional.<List<CostModel.ProjectionCosts>>empty() : work.costs(l, o.candidates());
            final int at = i;
            List<CostModel.ProjectionCosts> lc = saved.orElseGet(() -> b.layerCosts(d.get(at), stats));
            if (work != null && saved.isEmpty()) work.saveCosts(l, lc);
            costs.addAll(lc);
            progress.update("cost model", i + 1, layers.size());
        }
        stages.add(sw.lap("cost model"));
        AllocationProblem problem = b.problem(model, costs);
        AllocationPlan plan = b.allocate(problem, progress);
        stages.add(sw.lap("allocate"));
        if (o.solver() == org.moelab.bitsmoe.allocation.BitAllocation.Solver.AUTO && plan.solver() != org.moelab.bitsmoe.allocation.BitAllocation.Solver.DP) {
            fallbacks.add("exact DP too large for " + problem.units() + " units: " + plan.solver() + " used, gap " + plan.gap());
        }
        double costSeconds = stages.stream().filter(x -> x.stage().equals("cost model")).findFirst().orElseThrow().seconds();
        Estimate est = new Estimate(estimatedBytes(model, problem, plan, o), estimatedPeak(model, b.rank(model), layers.size(), work != null, problem),
                costSeconds / Math.max(1, o.candidates().length) + 1e-9 * model.checkpoint().totalBytes() * 2);
        return new Planned(o, d, stats, coverage, costs, problem, plan, calibration, stages, est, fallbacks);
    }

    public static Summary quantize(MoeModel model, Planned p, Path out, Progress progress) {
        return quantize(model, p, out, null, progress);
    }

    /**
     * Packs and writes the artifact layer by layer (one layer's factors and packed components on the heap at a time;
     * see {@link BitsMoeArtifact#write(Path, MoeModel, BitsMoeOptions, List, int, java.util.function.IntFunction,
     * AllocationPlan, CalibrationSet, Progress)}); on success the run's work directory (if any) is removed. Packing
     * and writing interleave, so the "pack" and "write" stages share one peak-heap reading; "pack" is the packing time.
     */
    public static Summary quantize(MoeModel model, Planned p, Path out, RunCheckpoint work, Progress progress) {
        BitsMoe b = new BitsMoe(p.options());
        List<StageTime> stages = new ArrayList<>(p.stages());
        Stopwatch sw = new Stopwatch();
        List<LayerDecomposition> d = p.decompositions();
        List<Integer> ids = p.costs().stream().map(CostModel.ProjectionCosts::layer).distinct().toList();
        if (ids.size() != d.size()) throw new IllegalArgumentException("plan has costs for " + ids.size() + " layers, decompositions " + d.size());
        int[] unit = {0};
        long[] bits = {0, 0}; // payload, with scales (+16 per kept component's s)
        double[] packSeconds = {0};
        ArtifactManifest m = BitsMoeArtifact.write(out, model, p.options(), ids, b.rank(model), i -> {
            long t0 = System.nanoTime();
            QuantizedLayer l = packLayer(d.get(i), p.plan(), unit, p.options());
            if (l.layer() != ids.get(i)) throw new IllegalStateException("decomposition " + i + " is layer " + l.layer() + ", costs say " + ids.get(i));
            for (FactorizedExperts f : List.of(l.gate(), l.up(), l.down())) {
                for (Component c : f.components()) {
                    if (c instanceof PackedComponent pc) {
                        bits[0] += pc.vector().storageBits().payload();
                        bits[1] += pc.vector().storageBits().withScales() + 16;
                    }
                }
            }
            packSeconds[0] += (System.nanoTime() - t0) / 1e9;
            progress.update("pack", i + 1, d.size());
            return l;
        }, p.plan(), p.calibration(), progress);
        if (unit[0] != p.plan().units()) throw new IllegalArgumentException("plan has " + p.plan().units() + " units, decompositions " + unit[0]);
        StageTime both = sw.lap("write");
        stages.add(new StageTime("pack", packSeconds[0], both.peakHeapBytes()));
        stages.add(new StageTime("write", Math.max(0, both.seconds() - packSeconds[0]), both.peakHeapBytes()));
        if (work != null) work.finish();
        double n = p.problem().totalWeights();
        double seconds = stages.stream().mapToDouble(StageTime::seconds).sum();
        return new Summary(m, p.plan().averageBits().payload(), bits[0] / n, bits[1] / n, stages, p.fallbacks(), seconds);
    }

    /** {@link BitsMoe#pack} for one layer: its units start at {@code unit[0]} in the plan, which is advanced past them. */
    private static QuantizedLayer packLayer(LayerDecomposition d, AllocationPlan plan, int[] unit, BitsMoeOptions o) {
        SymmetricGroupQuantizer q = o.quantizer();
        FactorizedExperts[] packed = new FactorizedExperts[3];
        int p = 0;
        for (ProjectionFactors f : d.projections()) {
            int units = f.experts() * f.rank();
            if (unit[0] + units > plan.units()) throw new IllegalArgumentException("plan has " + plan.units() + " units, decompositions more");
            byte[] bits = java.util.Arrays.copyOfRange(plan.bits(), unit[0], unit[0] + units);
            packed[p++] = BitsMoe.packProjection(f, bits, q);
            unit[0] += units;
        }
        return new QuantizedLayer(d.layer(), d.gate().rank(), d.gate().hidden(), d.gate().basis(), d.up().basis(),
                d.down().basis(), o.basis(), packed[0], packed[1], packed[2]);
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

    /**
     * Mapped model + decomposition floats + cost table + per-unit plan data. Streamed (a work directory): one layer's
     * factors plus every layer's gate/up bases (held through calibration); in memory: every layer's factors.
     */
    static long estimatedPeak(MoeModel model, int rank, int layers, boolean streamed, AllocationProblem problem) {
        long e = model.config().experts(), h = model.config().hidden(), inter = model.config().expertIntermediate();
        long layerFloats = 3 * (e * rank * inter + rank * h + e * rank + 2 * h); // units, basis, scales, eigenvalues (counted twice)
        long floats = streamed ? layerFloats + layers * 2L * rank * h : layers * layerFloats;
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
