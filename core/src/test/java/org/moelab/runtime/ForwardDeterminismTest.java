package org.moelab.runtime;

import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The same tokens give the same logits bit for bit on every call of a run: the first calls run interpreted or
 * C1-compiled, later ones C2-compiled, so any kernel whose result depends on the JIT tier (lane-sum order, the
 * Vector API's intrinsified transcendentals) shows up here. Calibration statistics, and with them every plan, depend
 * on this.
 */
class ForwardDeterminismTest {

    @Test
    void repeatedForwardPassesAreBitIdentical() {
        try (MoeModel m = ModelLoader.load(TestData.teachingModel())) {
            int[] ids = new int[96];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % (m.config().vocabSize() - 1);
            Transformer t = new Transformer(m);
            float[] first = t.newSession().feedAll(ids);
            for (int rep = 0; rep < 40; rep++) {
                assertArrayEquals(first, t.newSession().feedAll(ids), "call " + rep + " differs from the first");
            }
        }
    }
}
