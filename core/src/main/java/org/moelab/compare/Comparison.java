package org.moelab.compare;

import org.moelab.Progress;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.GptqQuantizer;
import org.moelab.baselines.MinMaxGroupQuantizer;
import org.moelab.baselines.Rtn;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.eval.ModelComparison;
import org.moelab.eval.ModelScorer;
import org.moelab.eval.Perplexity;
import org.moelab.eval.TaskResult;
import org.moelab.eval.ZeroShot;
import org.moelab.model.MoeModel;
import org.moelab.runtime.MoeLayer;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every method at every budget through one harness (issue: honest comparison tables): the same model,
 * calibration set, perplexity text, reference FP distributions and zero-shot items. Uniform methods (RTN,
 * GPTQ) cannot reach fractional budgets: they run at the nearest integer widths below and above instead,
 * never interpolated. Router-norm runs its 2-level (3/2) assignment and reports budgets it cannot reach.
 */
public final class Comparison {

    /**
     * @param methods       fp, rtn, gptq, routernorm, bitsmoe, mobie and its ablations ({@link MobieVariants})
     * @param bits          requested average bits
     * @param compareTokens tokens for KL / same-top / expert shift against FP
     * @param tasks         zero-shot tasks (empty: none)
     * @param limit         items per task (0 = all)
     */
    public record Options(List<String> methods, List<Double> bits, int window, int maxTokens, int compareTokens,
                          List<String> tasks, int limit, Path evalsets) {
    }

    /** Everything the table, its caption and the chart need. */
    public record Table(String caption, List<MethodResult> rows, double seconds) {
    }

    private Comparison() {
    }

    /** Every method name {@link #run} accepts: fp, rtn, gptq, routernorm, bitsmoe and the MoBiE variants. */
    public static List<String> methods() {
        List<String> m = new ArrayList<>(List.of("fp", "rtn", "gptq", "routernorm", "bitsmoe"));
        m.addAll(MobieVariants.names());
        return m;
    }

    public static Table run(MoeModel model, MoeTokenizer tok, CalibrationSet cal, int[] text, Options o, Progress progress) {
        long t0 = System.nanoTime();
        Transformer fp = new Transformer(model);
        int[] cmp = java.util.Arrays.copyOf(text, Math.min(text.length, o.compareTokens()));
        ModelComparison.Options co = ModelComparison.Options.of(o.window(), cmp.length);
        List<MethodResult> rows = new ArrayList<>();
        BitsMoeStages bitsmoe = null;
        for (String method : o.methods()) {
            if (method.equals("fp")) {
                rows.add(measure("fp", 16, 16, 16.0, 16.0, 16.0, fp, fp, tok, text, cmp, co, o, null, "source precision (bf16)"));
                continue;
            }
            for (double bits : widthsFor(method, o.bits())) {
                double requested = requestedFor(method, bits, o.bits());
                progress.update("compare " + method + " " + bits, rows.size(), o.methods().size() * o.bits().size());
                try {
                    long q0 = System.nanoTime();
                    List<MoeLayer> blocks;
                    double payload = bits, scales = bits + 0.25, basis = bits + 0.25;
                    String note = requested != bits ? "uniform widths cannot make " + requested + " bits: nearest honest width" : "";
                    switch (method) {
                        case "rtn" -> blocks = DequantizedExperts.layers(model,
                                Rtn.quantize(model, new MinMaxGroupQuantizer((int) bits, 128, false), Progress.NONE));
                        case "gptq" -> blocks = DequantizedExperts.layers(model,
                                GptqQuantizer.quantize(model, cal, GptqQuantizer.Options.defaults((int) bits), Progress.NONE).experts());
                        case "routernorm" -> {
                            RouterNormMixedPrecision.Result r = RouterNormMixedPrecision.run(model, cal,
                                    RouterNormMixedPrecision.Options.defaults(bits), Progress.NONE);
                            payload = r.plan().realisedAverage();
                            scales = payload + 0.25;
                            basis = scales;
                            note = "experts at 3/2 bits by router norm + MaxVar, GPTQ";
                            blocks = DequantizedExperts.layers(model, r.experts());
                        }
                        case "bitsmoe" -> {
                            if (bitsmoe == null) bitsmoe = BitsMoeStages.prepare(model, cal);
                            BitsMoe b = new BitsMoe(BitsMoeOptions.defaults(bits));
                            AllocationPlan plan = b.allocate(b.problem(model, bitsmoe.costs()), Progress.NONE);
                            blocks = BitsMoe.blocks(model, b.pack(bitsmoe.decompositions(), plan, Progress.NONE));
                            payload = plan.averageBits().payload();
                            scales = plan.averageBits().plusScales();
                            basis = plan.averageBits().plusBasis();
                            note = "shared stages " + String.format(Locale.ROOT, "%.1f s", bitsmoe.seconds()) + " + allocate/pack";
                        }
                        case String v when MobieVariants.isMobie(v) -> {
                            // MoBiE binarizes at its own budget (≈1.1 bits in the papers' convention); the requested
                            // bits do not change it. payload: sign planes; +scales: bitmaps and fp16 α/μ; +basis: the
                            // CEJD backbones (8 bits) too, the honest total.
                            org.moelab.mobie.Mobie.Result r = org.moelab.mobie.Mobie.quantize(model, cal,
                                    MobieVariants.options(v), Progress.NONE);
                            org.moelab.mobie.Mobie.Bits mb = r.bits();
                            payload = mb.paper();
                            scales = (double) (mb.paperBits() + mb.bitmapBits() + mb.paramBits()) / mb.weights();
                            basis = mb.honest();
                            note = MobieVariants.describe(v);
                            blocks = DequantizedExperts.layers(model, r.experts());
                        }
                        default -> throw new IllegalArgumentException("unknown method '" + method + "'; methods: " + String.join(", ", methods()));
                    }
                    double quant = (System.nanoTime() - q0) / 1e9 + (method.equals("bitsmoe") ? bitsmoe.seconds() : 0);
                    rows.add(measure(method, bits, requested, payload, scales, basis, fp, new Transformer(model, blocks), tok, text,
                            cmp, co, o, quant, note));
                } catch (IllegalArgumentException | IllegalStateException e) {
                    if (e.getMessage() != null && e.getMessage().startsWith("unknown method")) throw e;
                    rows.add(new MethodResult(method, bits, requested, null, null, null, null, null, null, null, Map.of(), null,
                            "not reachable: " + e.getMessage()));
                }
            }
        }
        String caption = String.format(Locale.ROOT, "Model %s. Routed experts quantized; router, shared experts, attention, "
                        + "embeddings, lm_head and norms in source precision (bf16). Calibration: %s, %d × %d tokens, seed %d "
                        + "(SHA-256 %s…). Group size 128. Bits: average per routed-expert weight (payload; +scales adds fp16 "
                        + "scales/zero points and BitsMoE's s; +basis adds BitsMoE's bf16 shared bases). Perplexity: window %d, "
                        + "first %d tokens. KL, same-top-1 and expert shift vs FP on the first %d tokens.",
                model.source().getFileName(), cal.name(), cal.sequences().length, cal.sequences()[0].length, cal.seed(),
                cal.sha256().substring(0, 12), o.window(), o.maxTokens(), cmp.length);
        return new Table(caption, rows, (System.nanoTime() - t0) / 1e9);
    }

    private static MethodResult measure(String method, double bits, double requested, Double payload, Double scales, Double basis,
                                        Transformer fp, Transformer t, MoeTokenizer tok, int[] text, int[] cmp,
                                        ModelComparison.Options co, Options o, Double quantSeconds, String note) {
        double ppl = Perplexity.compute(t, text, o.window(), o.maxTokens(), Progress.NONE).ppl();
        Double kl = null, same = null, shift = null;
        if (t != fp) {
            ModelComparison.Result r = ModelComparison.compare(fp, t, cmp, co, Progress.NONE);
            kl = r.kl().meanKl();
            same = r.kl().sameTopPct();
            shift = r.expertShift().rate();
        }
        Map<String, Double> tasks = new LinkedHashMap<>();
        if (!o.tasks().isEmpty()) {
            for (TaskResult tr : ZeroShot.run(o.evalsets(), o.tasks(), new ModelScorer(t, tok), o.limit(), Progress.NONE)) {
                tasks.put(tr.task(), tr.acc());
            }
        }
        return new MethodResult(method, bits, requested, payload, scales, basis, ppl, kl, same, shift, tasks, quantSeconds, note);
    }

    /** Integer widths for uniform methods (floor and ceil of fractional budgets), the budgets themselves otherwise. */
    static List<Double> widthsFor(String method, List<Double> bits) {
        if (MobieVariants.isMobie(method)) return List.of(1.0); // one fixed binary budget
        if (!method.equals("rtn") && !method.equals("gptq")) return bits;
        TreeSet<Double> w = new TreeSet<>();
        for (double b : bits) {
            w.add(Math.floor(b));
            w.add(Math.ceil(b));
        }
        w.removeIf(b -> b < 1 || b > 8);
        return new ArrayList<>(w);
    }

    private static double requestedFor(String method, double bits, List<Double> requested) {
        if (requested.contains(bits)) return bits;
        return requested.stream().filter(r -> Math.floor(r) == bits || Math.ceil(r) == bits).findFirst().orElse(bits);
    }

    /** BitsMoE's budget-independent stages, shared by every budget of the comparison. */
    record BitsMoeStages(List<LayerDecomposition> decompositions, List<CostModel.ProjectionCosts> costs, double seconds) {
        static BitsMoeStages prepare(MoeModel model, CalibrationSet cal) {
            long t0 = System.nanoTime();
            BitsMoe b = new BitsMoe(BitsMoeOptions.defaults(2));
            List<LayerDecomposition> d = b.decompose(model, Progress.NONE);
            Map<Integer, LayerStatistics> stats = b.calibrate(model, d, cal, Progress.NONE);
            List<CostModel.ProjectionCosts> costs = b.costs(d, stats, Progress.NONE);
            return new BitsMoeStages(d, costs, (System.nanoTime() - t0) / 1e9);
        }
    }
}
