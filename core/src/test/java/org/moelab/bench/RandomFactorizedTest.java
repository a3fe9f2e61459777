package org.moelab.bench;

import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.bitsmoe.execution.Component;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.PackedComponent;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random BitsMoE layers of bench moe-block have the model's shapes and the width mix they claim. */
class RandomFactorizedTest {

    @Test
    void shapesAndWidthMixAreTheRequestedOnes() {
        try (MoeModel m = ModelLoader.load(TestData.teachingModel())) {
            MoeWeights w = m.layers().get(1).moe();
            int h = m.config().hidden();
            QuantizedLayer q = RandomFactorized.layer(1, w, h, BasisStorage.INT8, RandomFactorized.SHARES_2_5, 3);
            assertEquals(h, q.rank(), "r = H");
            assertEquals(BasisStorage.INT8, q.basis());
            long bits = 0, elements = 0;
            for (FactorizedExperts f : List.of(q.gate(), q.up(), q.down())) {
                assertEquals(m.config().experts(), f.experts());
                assertEquals(m.config().expertIntermediate(), f.intermediate());
                for (Component c : f.components()) {
                    elements += f.intermediate();
                    if (c instanceof PackedComponent p) bits += (long) p.bits() * p.length();
                }
            }
            double avg = (double) bits / elements;
            assertEquals(2.50, RandomFactorized.averageBits(RandomFactorized.SHARES_2_5), 0.01);
            assertEquals(2.50, avg, 0.05, "drawn widths average " + avg);
            float[] x = MoeBlockBenchmark.inputs(1, h, 1)[0];
            float[] y = new float[h];
            q.block(w).forward(x, 1, y, 1, null);
            for (float v : y) assertTrue(Float.isFinite(v));
        }
    }
}
