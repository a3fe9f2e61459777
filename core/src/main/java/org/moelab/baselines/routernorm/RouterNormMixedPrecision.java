package org.moelab.baselines.routernorm;

import org.moelab.Progress;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.GptqQuantizer;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Router-norm mixed precision ("Efficient Quantization of Mixture-of-Experts with Theoretical
 * Generalization Guarantees", Chowdhury et al., ICLR 2026; methods.md §4): per MoE layer, rank the E
 * experts by the router-norm score ({@link RouterNormRanking}; ascending → most bits), apply one MaxVar
 * pass ({@link MaxVarAdjustment}, ζ = 3), give bits by rank in tiers that hit the target average per
 * layer ({@link TierAssignment}), then quantize every expert with layer-sequential GPTQ
 * ({@link GptqQuantizer}, methods.md §2) at its own width. The allocation reads only weights (router (E, H)
 * and W_g (I, H)): no calibration pass, except for the frequency ablation.
 * <p>
 * Ablations ({@link Strategy}): router-norm without the MaxVar pass, MaxVar alone, routing frequency on
 * the calibration set, and a seeded random order. All of them use the same tier counts.
 * <p>
 * Use: {@code Result r = RouterNormMixedPrecision.run(model, calibration, Options.defaults(2.5), progress);
 * new Transformer(model, DequantizedExperts.layers(model, r.experts()))}. {@link #plan} alone gives the
 * allocation without quantizing.
 */
public final class RouterNormMixedPrecision {

    public enum Strategy {
        /** the method: router-norm order, then the MaxVar pass */
        ROUTER_NORM_MAXVAR,
        /** ablation: router-norm order only */
        ROUTER_NORM_ONLY,
        /** ablation: descending MaxVar only */
        MAXVAR_ONLY,
        /** ablation: descending routed-token count on the calibration set (needs calibration) */
        FREQUENCY,
        /** ablation: random order (seeded), same tier counts */
        RANDOM
    }

    /**
     * @param strategy   how experts are ordered
     * @param tiers      the bit levels (2-level 3/2 default, 3-level 3/2/1)
     * @param targetBits the average bits per expert, per MoE layer
     * @param rounding   what to do when the target is not reachable exactly (default: refuse)
     * @param zeta       MaxVar ζ (default 3)
     * @param statistic  how MaxVar is measured
     * @param initial    an earlier checkpoint of the same lineage (score = change of router norm), or null
     *                   (score = final router norm)
     * @param seed       seed of the random ablation
     * @param gptq       GPTQ settings; its bit-width is ignored (per-expert widths come from the plan)
     */
    public record Options(Strategy strategy, TierAssignment tiers, double targetBits, TierAssignment.Rounding rounding,
                          double zeta, MaxVarAdjustment.Statistic statistic, MoeModel initial, long seed,
                          GptqQuantizer.Options gptq) {

        public static Options defaults(double targetBits) {
            return new Options(Strategy.ROUTER_NORM_MAXVAR, TierAssignment.twoLevel(), targetBits, TierAssignment.Rounding.EXACT,
                    MaxVarAdjustment.DEFAULT_ZETA, MaxVarAdjustment.Statistic.MAX_ROW_VARIANCE, null, 0,
                    GptqQuantizer.Options.defaults(2));
        }

        public Options withStrategy(Strategy s) {
            return new Options(s, tiers, targetBits, rounding, zeta, statistic, initial, seed, gptq);
        }

        public Options withTiers(TierAssignment t) {
            return new Options(strategy, t, targetBits, rounding, zeta, statistic, initial, seed, gptq);
        }

        public Options withRounding(TierAssignment.Rounding r) {
            return new Options(strategy, tiers, targetBits, r, zeta, statistic, initial, seed, gptq);
        }

        public Options withInitial(MoeModel m) {
            return new Options(strategy, tiers, targetBits, rounding, zeta, statistic, m, seed, gptq);
        }

        public Options withSeed(long s) {
            return new Options(strategy, tiers, targetBits, rounding, zeta, statistic, initial, s, gptq);
        }

        public Options withZeta(double z) {
            return new Options(strategy, tiers, targetBits, rounding, z, statistic, initial, seed, gptq);
        }
    }

    /**
     * The allocation of one MoE layer.
     *
     * @param ranking      the primary ranking (its scores: router-norm / MaxVar / count / random rank)
     * @param maxVar       (E) MaxVar per expert (computed for every strategy, for reports)
     * @param order        (E) the final order, most bits first (after the MaxVar pass where it applies)
     * @param bits         (E) bit-width per expert id
     * @param tiers        counts per level, target and realised average bits per expert
     */
    public record LayerPlan(int layer, ExpertRanking ranking, double[] maxVar, int[] order, int[] bits,
                            TierAssignment.Tiers tiers) {
    }

    /** Per-layer plans (MoE layers only, in layer order). */
    public record Plan(Strategy strategy, List<LayerPlan> layers, double seconds) {

        /** Bit-width of expert e of layer l (for {@link GptqQuantizer.BitWidths}). */
        public int bits(int layer, int expert) {
            for (LayerPlan p : layers) if (p.layer() == layer) return p.bits()[expert];
            throw new IllegalArgumentException("layer " + layer + " is not in the plan");
        }

        /** Average bits per routed-expert weight over all MoE layers (payload; experts of a model share one size). */
        public double realisedAverage() {
            double s = 0;
            long n = 0;
            for (LayerPlan p : layers) {
                for (int b : p.bits()) s += b;
                n += p.bits().length;
            }
            return s / n;
        }

        /** Every layer hit its target exactly. */
        public boolean exact() {
            return layers.stream().allMatch(p -> p.tiers().exact());
        }
    }

    /** One MoE layer's plan and its GPTQ report (loss, time, RTN fallbacks, routed tokens). */
    public record LayerReport(LayerPlan plan, GptqQuantizer.LayerReport gptq) {
    }

    /**
     * @param experts per layer (null for dense layers) the dequantized experts, for
     *                {@link DequantizedExperts#layers}
     */
    public record Result(Plan plan, List<LayerReport> layers, List<List<DequantizedExperts.Expert>> experts, double seconds) {

        public String summary() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "router-norm mixed precision (%s): %.4f bits per expert, %.1f s%n",
                    plan.strategy(), plan.realisedAverage(), seconds));
            for (LayerReport r : layers) {
                b.append(String.format(Locale.ROOT, "  layer %d: %s, GPTQ loss %.4g, RTN fallbacks %s%n",
                        r.plan().layer(), r.plan().tiers(), r.gptq().loss(), r.gptq().rtnFallbackExperts()));
            }
            return b.toString();
        }
    }

    private RouterNormMixedPrecision() {
    }

    /** The allocation alone, for every strategy but {@link Strategy#FREQUENCY} (no calibration pass). */
    public static Plan plan(MoeModel model, Options o) {
        return plan(model, o, (long[][]) null);
    }

    /**
     * The allocation alone. {@code calibration} is needed only by {@link Strategy#FREQUENCY} (else may be null).
     */
    public static Plan plan(MoeModel model, Options o, CalibrationSet calibration) {
        long[][] counts = null;
        if (o.strategy() == Strategy.FREQUENCY) {
            if (calibration == null) throw new IllegalArgumentException("the frequency ablation needs a calibration set");
            counts = FrequencyRanking.routedTokens(model, calibration);
        }
        return plan(model, o, counts);
    }

    /**
     * The allocation from precomputed routed-token counts (L) × (E) ({@link FrequencyRanking#routedTokens});
     * only {@link Strategy#FREQUENCY} reads them (else may be null).
     */
    public static Plan plan(MoeModel model, Options o, long[][] routedTokens) {
        long t0 = System.nanoTime();
        long[][] counts = routedTokens;
        if (o.strategy() == Strategy.FREQUENCY && counts == null) {
            throw new IllegalArgumentException("the frequency ablation needs routed-token counts from a calibration set");
        }
        if (o.initial() != null && o.initial().layers().size() != model.layers().size()) {
            throw new IllegalArgumentException("initial checkpoint has " + o.initial().layers().size() + " layers, final has "
                    + model.layers().size());
        }
        List<LayerPlan> plans = new ArrayList<>();
        for (int l = 0; l < model.layers().size(); l++) {
            LayerWeights lw = model.layers().get(l);
            if (!lw.isMoe()) continue;
            MoeWeights w = lw.moe();
            double[] maxVar = MaxVarAdjustment.maxVars(w, o.statistic());
            ExpertRanking ranking = switch (o.strategy()) {
                case ROUTER_NORM_MAXVAR, ROUTER_NORM_ONLY -> RouterNormRanking.of(w, initialLayer(o.initial(), l));
                case MAXVAR_ONLY -> MaxVarAdjustment.only(maxVar);
                case FREQUENCY -> {
                    if (l >= counts.length || counts[l] == null || counts[l].length != w.expertCount()) {
                        throw new IllegalArgumentException("no routed-token counts for the " + w.expertCount() + " experts of layer " + l);
                    }
                    yield FrequencyRanking.of(counts[l]);
                }
                case RANDOM -> RandomRanking.of(w.expertCount(), o.seed(), l);
            };
            int[] order = o.strategy() == Strategy.ROUTER_NORM_MAXVAR
                    ? MaxVarAdjustment.adjust(ranking.order(), maxVar, o.zeta()) : ranking.order();
            TierAssignment.Tiers tiers;
            try {
                tiers = o.tiers().counts(w.expertCount(), o.targetBits(), o.rounding());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("layer " + l + ": " + ex.getMessage(), ex);
            }
            plans.add(new LayerPlan(l, ranking, maxVar, order, TierAssignment.bits(order, tiers), tiers));
        }
        return new Plan(o.strategy(), plans, (System.nanoTime() - t0) / 1e9);
    }

    /** Allocation, then GPTQ of every expert at its assigned width (layer-sequential, calibrated). */
    public static Result run(MoeModel model, CalibrationSet calibration, Options o, Progress progress) {
        long t0 = System.nanoTime();
        Plan plan = plan(model, o, calibration);
        GptqQuantizer.Result g = GptqQuantizer.quantize(model, calibration, o.gptq(), plan::bits, progress);
        List<LayerReport> reports = new ArrayList<>();
        for (LayerPlan p : plan.layers()) {
            GptqQuantizer.LayerReport gr = g.layers().stream().filter(r -> r.layer() == p.layer()).findFirst()
                    .orElseThrow(() -> new IllegalStateException("GPTQ did not report layer " + p.layer()));
            reports.add(new LayerReport(p, gr));
        }
        return new Result(plan, List.copyOf(reports), g.experts(), (System.nanoTime() - t0) / 1e9);
    }

    private static MoeWeights initialLayer(MoeModel initial, int layer) {
        if (initial == null) return null;
        LayerWeights lw = initial.layers().get(layer);
        if (!lw.isMoe()) throw new IllegalArgumentException("layer " + layer + " of the initial checkpoint is not an MoE layer");
        return lw.moe();
    }
}
