package org.moelab.mobie;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The double reference forward matches the runtime; its backward matches finite differences. */
class RefBackwardTest {

    static MoeModel model;
    static RefModel ref;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestData.teachingModel());
        ref = RefModel.of(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static int[][] sequences(int count, int length, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] s = new int[count][length];
        for (int[] q : s) for (int i = 0; i < length; i++) q[i] = rnd.nextInt(model.config().vocabSize() - 1);
        return s;
    }

    @Test
    void referenceLogitsMatchTheRuntime() {
        int[] tokens = sequences(1, 40, 3)[0];
        RefForward.Pass p = new RefForward(ref).forward(tokens);
        InferenceSession s = new Transformer(model).newSession();
        float[] logits = s.feedAll(tokens);
        double max = 0, scale = 0;
        for (int i = 0; i < logits.length; i++) {
            max = Math.max(max, Math.abs(logits[i] - p.logits[i]));
            scale = Math.max(scale, Math.abs(p.logits[i]));
        }
        assertTrue(max < 2e-3 * scale, "max |Δlogit| " + max + " of " + scale);
    }

    @Test
    void expertGradientsMatchFiniteDifferences() {
        int[][] seqs = sequences(2, 24, 5);
        int layers = model.config().layers();
        ExpertGradients g = LossGradients.compute(ref, seqs, 0, layers, org.moelab.Progress.NONE);
        assertEquals(LossGradients.loss(ref, seqs), g.loss(), 1e-10);
        SplittableRandom rnd = new SplittableRandom(9);
        int checked = 0;
        double worst = 0;
        List<String> report = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int proj = 0; proj < 3; proj++) {
                // The sampled weight: the largest |g| among 200 random entries of a random routed expert.
                int e;
                do e = rnd.nextInt(model.config().experts()); while (g.get(l, e, proj) == null);
                double[] ge = g.get(l, e, proj);
                int best = -1;
                for (int k = 0; k < 200; k++) {
                    int i = rnd.nextInt(ge.length);
                    if (best < 0 || Math.abs(ge[i]) > Math.abs(ge[best])) best = i;
                }
                double fd = finiteDifference(l, e, proj, best, seqs);
                double rel = Math.abs(fd - ge[best]) / Math.max(Math.abs(fd), Math.abs(ge[best]));
                report.add(String.format("L%d e%d p%d: analytic %.6e fd %.6e rel %.1e", l, e, proj, ge[best], fd, rel));
                worst = Math.max(worst, rel);
                checked++;
            }
        }
        report.forEach(System.out::println);
        assertEquals(3 * layers, checked);
        assertTrue(worst <= 1e-3, "worst relative error " + worst);
        // An expert no token reached has no gradient entry (zero).
        int[][] one = {sequences(1, 3, 11)[0]};
        ExpertGradients few = LossGradients.compute(ref, one, 0, layers, org.moelab.Progress.NONE);
        int unrouted = 0;
        for (int e = 0; e < model.config().experts(); e++) if (few.get(0, e, 0) == null) unrouted++;
        assertTrue(unrouted >= model.config().experts() - 3 * model.config().topK());
    }

    @Test
    void aPassOverUpperLayersOnlyGivesTheSameGradients() {
        int[][] seqs = sequences(2, 16, 7);
        ExpertGradients all = LossGradients.compute(ref, seqs, 0, 4, org.moelab.Progress.NONE);
        ExpertGradients upper = LossGradients.compute(ref, seqs, 2, 3, org.moelab.Progress.NONE);
        assertTrue(upper.has(2) && !upper.has(1) && !upper.has(3), "only the layers asked for are held");
        for (int e = 0; e < model.config().experts(); e++) {
            for (int p = 0; p < 3; p++) {
                double[] a = all.get(2, e, p), b = upper.get(2, e, p);
                assertEquals(a == null, b == null);
                if (a != null) org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 1e-15);
            }
        }
    }

    private double finiteDifference(int l, int e, int proj, int index, int[][] seqs) {
        RefModel.Ffn w = ref.layers[l].experts()[e];
        double[] arr = proj == 0 ? w.gate() : proj == 1 ? w.up() : w.down();
        double orig = arr[index];
        double eps = 1e-4 * Math.max(1e-2, Math.abs(orig));
        try {
            arr[index] = orig + eps;
            double plus = LossGradients.loss(ref, seqs);
            arr[index] = orig - eps;
            double minus = LossGradients.loss(ref, seqs);
            return (plus - minus) / (2 * eps);
        } finally {
            arr[index] = orig;
        }
    }
}
