package org.moelab.mobie;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.eval.ModelComparison;
import org.moelab.eval.Perplexity;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;

class ScratchTest {
    @Test
    void variants() throws Exception {
        MoeModel model = ModelLoader.load(TestData.teachingModel());
        int[] val;
        CalibrationSet cal;
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            val = tok.encode(Files.readString(TestData.teachingModel().resolve("val.txt")));
            cal = CalibrationCorpus.sample(tok, CalibrationCorpus.DEFAULT_FILES.stream().map(f -> TestData.repo().resolve(f)).toList(),
                    Integer.getInteger("calN", 16), Integer.getInteger("calT", 256), 1234, 0.05);
        }
        long t0 = System.nanoTime();
        Transformer fp = new Transformer(model);
        double fpPpl = Perplexity.compute(fp, val, 256, 4096, Progress.NONE).ppl();
        System.out.printf("FP %.3f (%.1f s)%n", fpPpl, (System.nanoTime() - t0) / 1e9);
        String which = System.getProperty("variants", "base,cejd,glas,nges,full");
        for (String v : which.split(",")) {
            Mobie.Options o = switch (v) {
                case "base" -> Mobie.Options.base();
                case "cejd" -> Mobie.Options.base().with(true, false, false);
                case "glas" -> Mobie.Options.base().with(false, true, false);
                case "nges" -> Mobie.Options.base().with(false, false, true);
                case "exact" -> Mobie.Options.base().withBinarizer(ex());
                case "cejdnges" -> Mobie.Options.base().with(true, false, true);
                case "cejdglas" -> Mobie.Options.base().with(true, true, false);
                case "glas025" -> Mobie.Options.base().with(false, true, false).withLambda(0.25);
                case "nges90" -> Mobie.Options.base().with(false, false, true).withNges(0.90, 1);
                case "nges50" -> Mobie.Options.base().with(false, false, true).withNges(0.50, 1);
                case "nges99b10" -> Mobie.Options.base().with(false, false, true).withNges(0.99, 0.1);
                case "nges90b10" -> Mobie.Options.base().with(false, false, true).withNges(0.90, 0.1);
                case "fullexact" -> Mobie.Options.defaults().withBinarizer(ex());
                default -> Mobie.Options.defaults();
            };
            long q0 = System.nanoTime();
            Mobie.Result r = Mobie.quantize(model, cal, o, Progress.NONE);
            double qs = (System.nanoTime() - q0) / 1e9;
            long p0 = System.nanoTime();
            Transformer t = new Transformer(model, DequantizedExperts.layers(model, r.experts()));
            double ppl = Perplexity.compute(t, val, 256, 4096, Progress.NONE).ppl();
            double ps = (System.nanoTime() - p0) / 1e9;
            long c0 = System.nanoTime();
            var cmp = ModelComparison.compare(fp, t, val, ModelComparison.Options.of(256, 4096), Progress.NONE);
            System.out.printf(v + " %s: ppl %.3f shift %.4f  bits paper %.3f honest %.3f  (quant %.1f s [%s], ppl %.1f s, cmp %.1f s) loss %s%n",
                    o.label(), ppl, cmp.expertShift().rate(), r.bits().paper(), r.bits().honest(), qs,
                    r.layers().stream().map(l -> String.format("%.1f", l.seconds())).toList(), ps, (System.nanoTime() - c0) / 1e9,
                    r.layers().stream().map(l -> String.format("%.3g", l.loss())).toList());
        }
    }

    static Binarizer.Options ex() {
        Binarizer.Options d = Binarizer.Options.defaults();
        return new Binarizer.Options(d.blockSize(), d.percDamp(), d.maxSalientColumns(), d.split(), d.splitLow(), d.splitHigh(), d.splitSteps(), d.arbIterations(), true);
    }
}
