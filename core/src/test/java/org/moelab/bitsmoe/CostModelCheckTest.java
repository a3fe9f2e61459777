package org.moelab.bitsmoe;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The surrogate cost ranks allocations as the measured layer output error on held-out tokens does. */
class CostModelCheckTest {

    @Test
    void spearmanOfHandMadeRanks() {
        assertEquals(1.0, CostModelCheck.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 30, 400}), 1e-12);
        assertEquals(-1.0, CostModelCheck.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
        assertEquals(0.5, CostModelCheck.spearman(new double[] {1, 2, 3}, new double[] {1, 3, 2}), 1e-12);
        assertEquals(List.of(1.5, 1.5, 3.0), Arrays.stream(CostModelCheck.ranks(new double[] {5, 5, 7})).boxed().toList());
    }

    @Test
    void predictedCostTracksMeasuredOutputErrorOnHeldOutTokens() {
        try (MoeModel model = ModelLoader.load(TestData.teachingModel()); MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            List<Path> files = CalibrationCorpus.defaultFiles(TestData.repo());
            CalibrationSet cal = CalibrationCorpus.sample(tok, files, 16, 256, 21, 0.05);
            CalibrationSet heldOut = CalibrationCorpus.heldOut(tok, files, 4, 256, 22, 0.05);
            BitsMoeOptions o = BitsMoeOptions.defaults(2.5).withLayers(List.of(2));
            BitsMoe b = new BitsMoe(o);
            List<LayerDecomposition> d = b.decompose(model, Progress.NONE);
            var stats = b.calibrate(model, d, cal, Progress.NONE);
            CostModelCheck c = CostModelCheck.run(model, d.getFirst(), b.layerCosts(d.getFirst(), stats), heldOut, o, 8, 5);
            System.out.printf("layer 2: Spearman %.3f over %d allocations, %d held-out tokens%n  bits %s%n  predicted %s%n  measured %s%n",
                    c.spearman(), c.predicted().length, c.tokens(), Arrays.toString(c.bits()), Arrays.toString(c.predicted()),
                    Arrays.toString(c.measured()));
            assertEquals(1024, c.tokens());
            assertTrue(c.spearman() >= 0.8, "rank correlation " + c.spearman());
        }
    }
}
