package org.moelab.baselines;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.eval.Perplexity;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** On the teaching model, GPTQ beats RTN at 3 and 2 bits (val.txt, first 8192 tokens, window 256). */
class BaselinesOnTeachingModelTest {

    static MoeModel model;
    static int[] val;
    static CalibrationSet calibration;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(TestData.teachingModel());
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            val = tok.encode(Files.readString(TestData.teachingModel().resolve("val.txt")));
            calibration = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(TestData.repo()), 32, 256, 1234, 0.05);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static double ppl(Transformer t) {
        return Perplexity.compute(t, val, 256, 8192, Progress.NONE).ppl();
    }

    @Test
    void gptqBeatsRtnAtThreeAndTwoBits() {
        double fp = ppl(new Transformer(model));
        for (int bits : new int[] {3, 2}) {
            var rtn = Rtn.quantize(model, new MinMaxGroupQuantizer(bits, 128, false), Progress.NONE);
            double rtnPpl = ppl(new Transformer(model, DequantizedExperts.layers(model, rtn)));
            GptqQuantizer.Result g = GptqQuantizer.quantize(model, calibration, GptqQuantizer.Options.defaults(bits), Progress.NONE);
            double gptqPpl = ppl(new Transformer(model, DequantizedExperts.layers(model, g.experts())));
            System.out.printf("bits %d: FP %.3f RTN %.3f GPTQ %.3f (%.1f s)%n", bits, fp, rtnPpl, gptqPpl, g.seconds());
            assertTrue(gptqPpl < rtnPpl, bits + " bits: GPTQ " + gptqPpl + " must beat RTN " + rtnPpl);
            assertTrue(rtnPpl > fp && gptqPpl > fp * 0.99, "quantization does not improve on FP");
            assertTrue(g.layers().size() == 4 && g.layers().stream().allMatch(r -> r.loss() > 0));
        }
    }

    @Test
    void anExpertWithNoTokensFallsBackToRtnAndIsNeverZeroed() {
        // A threshold above any expert's share forces every expert onto the fallback path.
        GptqQuantizer.Result g = GptqQuantizer.quantize(model, calibration,
                new GptqQuantizer.Options(Gptq.Options.defaults(4), 1.0), Progress.NONE);
        for (GptqQuantizer.LayerReport r : g.layers()) assertTrue(r.rtnFallbackExperts().size() == 16);
        var rtn = Rtn.quantize(model, new MinMaxGroupQuantizer(4, 128, false), Progress.NONE);
        for (int l = 0; l < 4; l++) {
            for (int e = 0; e < 16; e++) {
                float[] a = g.experts().get(l).get(e).gate();
                float[] b = rtn.get(l).get(e).gate();
                assertTrue(java.util.Arrays.equals(a, b), "fallback is exactly RTN");
                double norm = 0;
                for (float v : a) norm += v * v;
                assertTrue(norm > 0, "never zeroed");
            }
        }
        List<Integer> none = g.layers().getFirst().rtnFallbackExperts();
        assertTrue(!none.isEmpty());
    }
}
