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

    /**
     * The MoE-block timing reads, before each block, what the rest of a decode step reads per MoE layer: the
     * embedding row, attention and norms, the KV cache, final norm and lm_head, split over the layers.
     */
    @Test
    void blocksAreTimedAfterTheRestOfADecodeStepsBytes() {
        try (MoeModel m = ModelLoader.load(TestData.teachingModel())) {
            var c = m.config();
            int layers = m.layers().size();
            double context = 10;
            double want = 2.0 * c.hidden() + 2.0 * c.vocabSize() * c.hidden() + m.finalNorm().data().byteSize();
            for (var l : m.layers()) {
                var a = l.attention();
                want += a.q().data().byteSize() + a.k().data().byteSize() + a.v().data().byteSize() + a.o().data().byteSize()
                        + l.inputNorm().data().byteSize() + l.postAttentionNorm().data().byteSize() + 2.0 * 4 * c.kvDim() * context;
            }
            assertEquals((long) (want / layers), MoeBlockBenchmark.evictionBytes(m, context), 1.0);
            List<MoeWeights> sources = m.layers().stream().map(l -> l.moe()).toList();
            List<org.moelab.runtime.MoeLayer> fp = sources.stream().map(org.moelab.runtime.MoeBlock::dense).map(b -> (org.moelab.runtime.MoeLayer) b).toList();
            float[][] xs = MoeBlockBenchmark.inputs(4, c.hidden(), 2);
            MoeBlockBenchmark.Result cold = MoeBlockBenchmark.run(fp, sources, xs, 1, MoeBlockBenchmark.evictionBytes(m, context));
            MoeBlockBenchmark.Result warm = MoeBlockBenchmark.run(fp, sources, xs, 1, 0);
            assertTrue(cold.secondsPerToken() > 0 && warm.secondsPerToken() > 0);
            assertEquals(warm.bytesPerToken(), cold.bytesPerToken());
        }
    }
}
