package org.moelab.bitsmoe;

import org.moelab.Progress;
import org.moelab.bitsmoe.allocation.AllocationConstraints;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.Calibration;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.bitsmoe.decomposition.SpectralDecomposition;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.linalg.SpectralCompute;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.quant.PackedVector;
import org.moelab.quant.SymmetricGroupQuantizer;
import org.moelab.runtime.MoeLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BitsMoE end to end (methods.md §1), one public method per stage so a notebook can run and inspect each:
 * {@link #decompose} → {@link #calibrate} (+ {@link #coverage}) → {@link #costs} → {@link #problem} →
 * {@link #allocate} → {@link #pack} → {@link #blocks} (run it) or {@code BitsMoeArtifact.write} (save it).
 * Only routed experts are touched: router, shared experts, attention, embeddings, lm_head and norms stay
 * in the source precision.
 */
public final class BitsMoe {

    private final BitsMoeOptions options;
    private final SpectralCompute compute;

    public BitsMoe(BitsMoeOptions options, SpectralCompute compute) {
        this.options = options;
        this.compute = compute;
    }

    public BitsMoe(BitsMoeOptions options) {
        this(options, SpectralCompute.chosen());
    }

    public BitsMoeOptions options() {
        return options;
    }

    /** The MoE layers this run quantizes (all, or the {@link BitsMoeOptions#layers()} preview). */
    public List<Integer> layers(MoeModel model) {
        List<Integer> all = new ArrayList<>();
        for (int l = 0; l < model.config().layers(); l++) if (model.config().isMoeLayer(l)) all.add(l);
        if (options.layers() == null) return all;
        for (int l : options.layers()) {
            if (!all.contains(l)) throw new IllegalArgumentException("layer " + l + " is not an MoE layer of this model; MoE layers: " + all);
        }
        return options.layers();
    }

    public int rank(MoeModel model) {
        int h = model.config().hidden();
        if (options.rank() > h) throw new IllegalArgumentException("rank " + options.rank() + " exceeds H = " + h);
        return options.rank() == 0 ? h : options.rank();
    }

    /** Stage 1: shared-basis decomposition of every selected layer. */
    public List<LayerDecomposition> decompose(MoeModel model, Progress progress) {
        List<LayerDecomposition> out = new ArrayList<>();
        List<Integer> layers = layers(model);
        for (int i = 0; i < layers.size(); i++) {
            out.add(decomposeLayer(model, layers.get(i)));
            progress.update("decompose", i + 1, layers.size());
        }
        return out;
    }

    /** Stage 1 for one layer. */
    public LayerDecomposition decomposeLayer(MoeModel model, int layer) {
        LayerWeights lw = model.layers().get(layer);
        if (!lw.isMoe() || lw.moe().experts().isEmpty()) {
            throw new IllegalArgumentException("layer " + layer + ": no routed experts loaded");
        }
        return new SpectralDecomposition(compute).decompose(layer, lw.moe(), rank(model), Progress.NONE);
    }

    /** Stage 2: calibration statistics along the gate/up bases, per layer. */
    public Map<Integer, LayerStatistics> calibrate(MoeModel model, List<LayerDecomposition> decompositions, CalibrationSet set,
                                                   Progress progress) {
        List<Calibration.LayerBases> bases = new ArrayList<>();
        for (LayerDecomposition d : decompositions) {
            bases.add(new Calibration.LayerBases(d.layer(), d.gate().rank(), d.gate().basis(), d.up().basis()));
        }
        return Calibration.run(model, set, bases, progress);
    }

    /**
     * The ROUTE_ALL coverage policy: re-gathers the flagged experts' statistics over every calibration token
     * of their layer (statistics only, routing unchanged), scaled by the layer's mean routed g², and writes
     * them into {@code stats}. Routed token counts are left as measured.
     */
    public void routeAllForFlagged(MoeModel model, List<LayerDecomposition> decompositions, CalibrationSet set,
                                   Map<Integer, LayerStatistics> stats, CalibrationCoverage coverage, Progress progress) {
        Map<Integer, java.util.Set<Integer>> flagged = new java.util.TreeMap<>();
        coverage.flagged().forEach(f -> flagged.computeIfAbsent(f.layer(), k -> new java.util.TreeSet<>()).add(f.expert()));
        if (flagged.isEmpty()) return;
        List<Calibration.LayerBases> bases = new ArrayList<>();
        for (LayerDecomposition d : decompositions) {
            if (flagged.containsKey(d.layer())) {
                bases.add(new Calibration.LayerBases(d.layer(), d.gate().rank(), d.gate().basis(), d.up().basis()));
            }
        }
        Map<Integer, LayerStatistics> all = Calibration.run(model, set, bases, flagged, progress);
        flagged.forEach((layer, experts) -> {
            LayerStatistics s = stats.get(layer);
            LayerStatistics a = all.get(layer);
            double g = 0;
            for (double x : s.gSum()) g += x;
            double meanG = s.totalRouted() == 0 ? 1 : g / s.totalRouted();
            double w = meanG * meanG;
            int r = s.rank();
            int inter = s.intermediate();
            for (int e : experts) {
                for (int k = 0; k < r; k++) {
                    s.gateEnergy()[e * r + k] = w * a.gateEnergy()[e * r + k];
                    s.upEnergy()[e * r + k] = w * a.upEnergy()[e * r + k];
                }
                for (int i = 0; i < inter; i++) s.downDiag()[e * inter + i] = w * a.downDiag()[e * inter + i];
            }
        });
    }

    /** Routed tokens per (layer, expert), flagged experts and the policy; {@link CalibrationCoverage#enforce} refuses under MORE_DATA. */
    public CalibrationCoverage coverage(Map<Integer, LayerStatistics> stats) {
        return CalibrationCoverage.of(stats, options.coverageFraction(), options.coveragePolicy());
    }

    /** Stage 3: c_{u,b} for every unit and candidate width, layer by layer, gate, up, down. */
    public List<CostModel.ProjectionCosts> costs(List<LayerDecomposition> decompositions, Map<Integer, LayerStatistics> stats,
                                                 Progress progress) {
        List<CostModel.ProjectionCosts> out = new ArrayList<>();
        int done = 0;
        for (LayerDecomposition d : decompositions) {
            out.addAll(layerCosts(d, stats));
            progress.update("cost model", ++done, decompositions.size());
        }
        return out;
    }

    /** Stage 3 for one layer: gate, up, down. */
    public List<CostModel.ProjectionCosts> layerCosts(LayerDecomposition d, Map<Integer, LayerStatistics> stats) {
        SymmetricGroupQuantizer q = options.quantizer();
        CostModel.Options co = new CostModel.Options(options.candidates(), options.floorWeight(), floorTokens(stats));
        LayerStatistics s = stats.get(d.layer());
        if (s == null) throw new IllegalArgumentException("no calibration statistics for layer " + d.layer());
        List<CostModel.ProjectionCosts> out = new ArrayList<>();
        for (ProjectionFactors f : List.of(d.gate(), d.up())) {
            double[] energy = f.projection().equals("gate") ? s.gateEnergy() : s.upEnergy();
            out.add(CostModel.inputSide(d.layer(), f.projection(), f.experts(), f.rank(), f.intermediate(), f.scales(),
                    f.units(), energy, s.tokens(), q::roundTrip, co, Progress.NONE));
        }
        ProjectionFactors f = d.down();
        out.add(CostModel.outputSide(d.layer(), f.experts(), f.rank(), f.intermediate(), f.scales(), f.units(),
                s.downDiag(), s.tokens(), q::roundTrip, co, Progress.NONE));
        return out;
    }

    /** The flag threshold of the coverage report, used as the cost floor's token limit. */
    private long floorTokens(Map<Integer, LayerStatistics> stats) {
        return Math.max(1, coverage(stats).threshold());
    }

    /** Stage 4a: the knapsack data; N = the routed-expert weights of the selected layers; basis overhead for +basis. */
    public AllocationProblem problem(MoeModel model, List<CostModel.ProjectionCosts> costs) {
        int inter = model.config().expertIntermediate();
        int hidden = model.config().hidden();
        long layers = costs.stream().mapToInt(CostModel.ProjectionCosts::layer).distinct().count();
        long n = layers * 3L * model.config().experts() * inter * hidden;
        double basis = layers * 3.0 * rank(model) * hidden * options.basis().bitsPerElement();
        return AllocationProblem.fromProjectionCosts(costs, inter).withTotalWeights(n).withBasisOverheadBits(basis)
                .withGroupSize(options.groupSize());
    }

    /** Stage 4b: the allocation under the budget, pins applied as hard constraints. */
    public AllocationPlan allocate(AllocationProblem problem, Progress progress) {
        AllocationConstraints cons = AllocationConstraints.NONE;
        for (PinRule p : options.pins()) cons = cons.withPin(p.select(), p.bits());
        BitAllocation.Options o = BitAllocation.Options.defaults().withSolver(options.solver()).withMode(options.mode())
                .withCandidates(options.candidates()).withConstraints(cons);
        return new BitAllocation(o).allocate(problem, options.bits(), progress);
    }

    /** Stage 5: quantize every kept unit at its width and pack it; dropped units are stored as nothing. */
    public List<QuantizedLayer> pack(List<LayerDecomposition> decompositions, AllocationPlan plan, Progress progress) {
        SymmetricGroupQuantizer q = options.quantizer();
        List<QuantizedLayer> out = new ArrayList<>();
        int unit = 0;
        for (LayerDecomposition d : decompositions) {
            FactorizedExperts[] packed = new FactorizedExperts[3];
            int p = 0;
            for (ProjectionFactors f : d.projections()) {
                int units = f.experts() * f.rank();
                byte[] bits = java.util.Arrays.copyOfRange(plan.bits(), unit, unit + units);
                packed[p++] = packProjection(f, bits, q);
                unit += units;
            }
            out.add(new QuantizedLayer(d.layer(), d.gate().rank(), d.gate().hidden(), d.gate().basis(), d.up().basis(),
                    d.down().basis(), options.basis(), packed[0], packed[1], packed[2]));
            progress.update("pack", out.size(), decompositions.size());
        }
        if (unit != plan.units()) throw new IllegalArgumentException("plan has " + plan.units() + " units, decompositions " + unit);
        return out;
    }

    static FactorizedExperts packProjection(ProjectionFactors f, byte[] bits, SymmetricGroupQuantizer q) {
        int units = f.experts() * f.rank();
        PackedVector[] vectors = new PackedVector[units];
        float[] scales = new float[units];
        java.util.stream.IntStream.range(0, units).parallel().forEach(u -> {
            if (bits[u] == 0) return;
            scales[u] = fp16(f.scales()[u], f, u);
            vectors[u] = PackedVector.fromQuantized(q.quantize(rescaled(f, u, scales[u]), 0, f.intermediate(), bits[u]));
        });
        // each expert's components packed per width into contiguous storage (the fused kernels' layout)
        FactorizedExperts.Builder b = FactorizedExperts.builder(f.experts(), f.rank(), f.intermediate(), q.options().groupSize());
        for (int u = 0; u < units; u++) {
            if (vectors[u] != null) b.add(u, scales[u], vectors[u]);
        }
        return b.build();
    }

    /**
     * Unit u's vector scaled so that (stored s) · vector = s · u exactly before quantization: the fp16 rounding
     * of s is folded into the vector instead of adding a coherent error to the whole component (I).
     */
    static float[] rescaled(ProjectionFactors f, int unit, float storedScale) {
        int len = f.intermediate();
        float[] v = java.util.Arrays.copyOfRange(f.units(), unit * len, unit * len + len);
        if (storedScale == 0f) return v;
        float ratio = f.scales()[unit] / storedScale;
        for (int i = 0; i < len; i++) v[i] *= ratio;
        return v;
    }

    /** s as the fp16 value the artifact stores (16 bits per kept component in the +scales accounting). */
    static float fp16(float s, ProjectionFactors f, int unit) {
        float r = Float.float16ToFloat(Float.floatToFloat16(s));
        if (Float.isInfinite(r)) {
            throw new IllegalArgumentException("layer " + f.layer() + " " + f.projection() + " unit " + unit + ": s = " + s + " overflows fp16");
        }
        return r;
    }

    /** Runtime blocks for {@code Transformer(model, blocks)}: factorized where quantized, the model's own elsewhere. */
    public static List<MoeLayer> blocks(MoeModel model, List<QuantizedLayer> quantized) {
        List<MoeLayer> blocks = new ArrayList<>();
        for (int l = 0; l < model.config().layers(); l++) {
            LayerWeights lw = model.layers().get(l);
            MoeLayer b = null;
            if (lw.isMoe()) {
                final int layer = l;
                QuantizedLayer q = quantized.stream().filter(x -> x.layer() == layer).findFirst().orElse(null);
                if (q != null) {
                    b = q.block(lw.moe());
                } else if (lw.moe().experts().isEmpty()) {
                    throw new IllegalArgumentException("layer " + l + " has neither routed experts nor quantized factors");
                } else {
                    b = org.moelab.runtime.MoeBlock.dense(lw.moe());
                }
            }
            blocks.add(b);
        }
        return blocks;
    }
}
