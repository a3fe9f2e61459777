package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.Test;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Options;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Plan;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Strategy;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;
import org.moelab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocation on a hand-made model: MoE layer, dense layer, MoE layer; E = 4, H = 3, I = 2. */
class RouterNormPlanTest {

    // Router rows (E=4, H=3) with norms 2, 1, 4, 3.
    static final float[] ROUTER = {2, 0, 0, 0, 1, 0, 0, 0, 4, 3, 0, 0};
    // Initial router: norms 0, 0, 5, 0 → changes 2, 1, −1, 3.
    static final float[] INITIAL = {0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0};
    // W_g (I=2, H=3) per expert; MaxVar (first row's unbiased variance) 1, 1, 12, 4.
    static final float[][] GATES = {{0, 1, 2, 0, 0, 0}, {0, 1, 2, 0, 0, 0}, {0, 0, 6, 0, 0, 0}, {0, 2, 4, 0, 0, 0}};

    static MoeModel model(float[] router) {
        List<ExpertWeights> experts = new ArrayList<>();
        for (float[] g : GATES) {
            experts.add(new ExpertWeights(Tensor.ofFloats("g", g, 2, 3), Tensor.ofFloats("u", new float[6], 2, 3),
                    Tensor.ofFloats("d", new float[6], 3, 2)));
        }
        MoeWeights moe = new MoeWeights(Tensor.ofFloats("router", router, 4, 3), experts, 2, true, null, null);
        List<LayerWeights> layers = List.of(new LayerWeights(null, null, null, moe, null),
                new LayerWeights(null, null, null, null, null), new LayerWeights(null, null, null, moe, null));
        return new MoeModel(null, null, null, layers, null, null, null);
    }

    static int[] bits(Plan p, int layer) {
        return p.layers().stream().filter(l -> l.layer() == layer).findFirst().orElseThrow().bits();
    }

    @Test
    void theMethodRanksByRouterNormThenMovesHighVarianceExpertsUp() {
        Plan p = RouterNormMixedPrecision.plan(model(ROUTER), Options.defaults(2.5));
        assertEquals(2, p.layers().size(), "dense layers are skipped");
        RouterNormMixedPrecision.LayerPlan l0 = p.layers().getFirst();
        assertArrayEquals(new int[] {1, 0, 3, 2}, l0.ranking().order());
        assertArrayEquals(new double[] {1, 1, 12, 4}, l0.maxVar(), 1e-12);
        // ζ pass: e2 (12 > 3·1) to the top, then e3 (4 > 3·1 of e1) above e1: [2, 3, 1, 0].
        assertArrayEquals(new int[] {2, 3, 1, 0}, l0.order());
        assertArrayEquals(new int[] {2, 2, 3, 3}, l0.bits());
        assertArrayEquals(new int[] {2, 2, 3, 3}, bits(p, 2));
        assertEquals(2.5, p.realisedAverage(), 1e-12);
        assertTrue(p.exact());
        assertEquals(3, p.bits(0, 2));
        assertThrows(IllegalArgumentException.class, () -> p.bits(1, 0));
    }

    @Test
    void ablationsAndOptions() {
        MoeModel m = model(ROUTER);
        assertArrayEquals(new int[] {3, 3, 2, 2}, bits(RouterNormMixedPrecision.plan(m, Options.defaults(2.5).withStrategy(Strategy.ROUTER_NORM_ONLY)), 0));
        assertArrayEquals(new int[] {2, 2, 3, 3}, bits(RouterNormMixedPrecision.plan(m, Options.defaults(2.5).withStrategy(Strategy.MAXVAR_ONLY)), 0));
        // Two checkpoints: order by the change of norm, [2, 1, 0, 3].
        Options change = Options.defaults(2.5).withInitial(model(INITIAL)).withStrategy(Strategy.ROUTER_NORM_ONLY);
        assertArrayEquals(new int[] {2, 3, 3, 2}, bits(RouterNormMixedPrecision.plan(m, change), 0));
        // Three levels at 2.5 with E = 4: 3 / 0 / 1 along [2, 3, 1, 0].
        Plan three = RouterNormMixedPrecision.plan(m, Options.defaults(2.5).withTiers(TierAssignment.threeLevel()));
        assertArrayEquals(new int[] {1, 3, 3, 3}, bits(three, 0));
        assertEquals(2.5, three.realisedAverage(), 1e-12);
        // Random keeps the tier counts.
        for (long seed = 0; seed < 5; seed++) {
            int[] b = bits(RouterNormMixedPrecision.plan(m, Options.defaults(2.5).withStrategy(Strategy.RANDOM).withSeed(seed)), 0);
            assertEquals(2, java.util.Arrays.stream(b).filter(x -> x == 3).count());
            assertEquals(2, java.util.Arrays.stream(b).filter(x -> x == 2).count());
        }
        // Frequency: most-routed first. Layer 0 counts (5, 9, 0, 9) → [1, 3, 0, 2]; layer 2 (1, 2, 3, 4) → [3, 2, 1, 0].
        Options freq = Options.defaults(2.5).withStrategy(Strategy.FREQUENCY);
        Plan f = RouterNormMixedPrecision.plan(m, freq, new long[][] {{5, 9, 0, 9}, null, {1, 2, 3, 4}});
        assertArrayEquals(new int[] {2, 3, 2, 3}, bits(f, 0));
        assertArrayEquals(new int[] {2, 2, 3, 3}, bits(f, 2));
        assertThrows(IllegalArgumentException.class, () -> RouterNormMixedPrecision.plan(m, freq));
        assertThrows(IllegalArgumentException.class, () -> RouterNormMixedPrecision.plan(m, freq, new long[][] {{1, 2, 3, 4}}));
        // 2.3 bits on 4 experts is not reachable: refused by default, nearest (2.25) on request.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouterNormMixedPrecision.plan(m, Options.defaults(2.3)));
        assertTrue(e.getMessage().startsWith("layer 0: ") && e.getMessage().contains("2.2500"), e.getMessage());
        Plan near = RouterNormMixedPrecision.plan(m, Options.defaults(2.3).withRounding(TierAssignment.Rounding.NEAREST));
        assertEquals(2.25, near.realisedAverage(), 1e-12);
        assertTrue(!near.exact());
    }
}
