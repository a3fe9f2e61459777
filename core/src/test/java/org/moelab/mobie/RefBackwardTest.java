package org.moelab.mobie;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

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
        return GradientCheck.sequences(model.config().vocabSize(), count, length, seed);
    }

    @Test
    void referenceLogitsMatchTheRuntime() {
        double gap = GradientCheck.forwardGap(model, ref, sequences(1, 40, 3)[0]);
        assertTrue(gap < 2e-3, "max |Δlogit| / max |logit| = " + gap);
    }

    @Test
    void expertGradientsMatchFiniteDifferences() {
        int[][] seqs = sequences(2, 24, 5);
        int layers = model.config().layers();
        GradientCheck.Result r = GradientCheck.expertGradients(ref, seqs, 9);
        r.report().forEach(System.out::println);
        assertEquals(LossGradients.loss(ref, seqs), LossGradients.compute(ref, seqs, 0, layers, org.moelab.Progress.NONE).loss(), 1e-10);
        assertEquals(3 * layers, r.checked());
        assertTrue(r.worst() <= 1e-3, "worst relative error " + r.worst());
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
}
