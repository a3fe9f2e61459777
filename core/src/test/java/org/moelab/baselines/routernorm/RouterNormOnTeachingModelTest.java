package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.GptqQuantizer;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Options;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Plan;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Strategy;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.eval.Perplexity;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Router-norm mixed precision on the teaching model (E = 16, K = 4, L = 4): val.txt, first 8192 tokens,
 * window 256, as in BaselinesOnTeachingModelTest. Calibration: the same corpora and seed but 16 × 256
 * tokens (half of that test's) to keep three layer-sequential GPTQ runs cheap; all three methods compared
 * here share it.
 */
class RouterNormOnTeachingModelTest {

    static MoeModel model;
    static int[] val;
    static CalibrationSet calibration;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(TestData.teachingModel());
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            val = tok.encode(Files.readString(TestData.teachingModel().resolve("val.txt")));
            calibration = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(TestData.repo()), 16, 256, 1234, 0.05);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static double ppl(Transformer t) {
        return Perplexity.compute(t, val, 256, 8192, Progress.NONE).ppl();
    }

    static int[] tierCounts(int[] bits) {
        int[] c = new int[4];
        for (int b : bits) c[3 - b]++;
        return c; // experts at 3, 2, 1, 0 bits
    }

    @Test
    void everyStrategyKeepsTheSameTierCountsAndHitsTheTarget() {
        long[][] counts = FrequencyRanking.routedTokens(model, calibration);
        for (long[] layer : counts) assertEquals((long) calibration.tokens() * 4, Arrays.stream(layer).sum(), "K = 4 per token");
        TierAssignment twoLevel = TierAssignment.twoLevel();
        for (TierAssignment tiers : new TierAssignment[] {twoLevel, TierAssignment.threeLevel()}) {
            int[][] reference = null;
            for (Strategy s : Strategy.values()) {
                Plan p = RouterNormMixedPrecision.plan(model, Options.defaults(2.5).withStrategy(s).withTiers(tiers), counts);
                assertEquals(4, p.layers().size());
                assertEquals(2.5, p.realisedAverage(), 1e-12, s.name());
                assertTrue(p.exact());
                int[][] c = p.layers().stream().map(l -> tierCounts(l.bits())).toArray(int[][]::new);
                if (reference == null) reference = c;
                for (int l = 0; l < 4; l++) assertArrayEquals(reference[l], c[l], s + " layer " + l);
                if (s == Strategy.FREQUENCY) {
                    for (var lp : p.layers()) {
                        // Most-routed experts get 3 bits: every 3-bit expert saw at least as many tokens as any 2-bit one.
                        long min3 = Long.MAX_VALUE;
                        long max2 = Long.MIN_VALUE;
                        for (int e = 0; e < 16; e++) {
                            if (lp.bits()[e] == 3) min3 = Math.min(min3, counts[lp.layer()][e]);
                            else max2 = Math.max(max2, counts[lp.layer()][e]);
                        }
                        assertTrue(min3 >= max2, "frequency order, layer " + lp.layer());
                    }
                }
                if (s == Strategy.ROUTER_NORM_MAXVAR && tiers == twoLevel) {
                    for (var lp : p.layers()) {
                        double[] v = lp.maxVar();
                        System.out.printf("layer %d: MaxVar max/min %.2f, moved by the ζ pass: %s%n", lp.layer(),
                                Arrays.stream(v).max().orElseThrow() / Arrays.stream(v).min().orElseThrow(),
                                !Arrays.equals(lp.order(), lp.ranking().order()));
                        System.out.printf("layer %d: order %s, bits %s, norms %s%n", lp.layer(), Arrays.toString(lp.order()),
                                Arrays.toString(lp.bits()), Arrays.toString(Arrays.stream(lp.ranking().scores())
                                        .mapToObj(x -> String.format(java.util.Locale.ROOT, "%.3f", x)).toArray()));
                    }
                }
            }
            System.out.printf("%s levels: tier counts per layer %s%n", Arrays.toString(tiers.levels()), Arrays.deepToString(reference));
        }
    }

    @Test
    void atTwoAndAHalfBitsPerplexityLiesBetweenGptqTwoAndThreeBits() {
        double[] gptq = new double[2];
        for (int bits : new int[] {2, 3}) {
            GptqQuantizer.Result g = GptqQuantizer.quantize(model, calibration, GptqQuantizer.Options.defaults(bits), Progress.NONE);
            long t0 = System.nanoTime();
            gptq[bits - 2] = ppl(new Transformer(model, DequantizedExperts.layers(model, g.experts())));
            System.out.printf("GPTQ %d-bit: quantization %.1f s, perplexity %.1f s%n", bits, g.seconds(), (System.nanoTime() - t0) / 1e9);
        }
        RouterNormMixedPrecision.Result r = RouterNormMixedPrecision.run(model, calibration, Options.defaults(2.5), Progress.NONE);
        double mixed = ppl(new Transformer(model, DequantizedExperts.layers(model, r.experts())));
        System.out.printf("allocation %.3f s%n", r.plan().seconds());
        System.out.print(r.summary());
        System.out.printf("val.txt ppl (8192 tokens, window 256): GPTQ 2-bit %.3f, router-norm MP 2.5 bits %.3f, GPTQ 3-bit %.3f%n",
                gptq[0], mixed, gptq[1]);
        assertEquals(2.5, r.plan().realisedAverage(), 1e-12);
        assertEquals(4, r.layers().size());
        for (var lr : r.layers()) assertTrue(lr.gptq().loss() > 0);
        assertTrue(mixed < gptq[0], "2.5 bits " + mixed + " must beat GPTQ 2-bit " + gptq[0]);
        assertTrue(mixed > gptq[1], "2.5 bits " + mixed + " should not beat GPTQ 3-bit " + gptq[1]);
    }
}
