package org.moelab.mobie;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

class Scratch4Test {
    @Test
    void profile() throws Exception {
        MoeModel model = ModelLoader.load(TestData.teachingModel());
        CalibrationSet cal;
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            cal = CalibrationCorpus.sample(tok, CalibrationCorpus.DEFAULT_FILES.stream().map(f -> TestData.repo().resolve(f)).toList(), 8, 256, 1234, 0.05);
        }
        for (int i = 0; i < 2; i++) {
            Mobie.Result r = Mobie.quantize(model, cal, Mobie.Options.defaults(), Progress.NONE);
            System.out.printf("full %.1f s %s%n", r.seconds(), r.layers().stream().map(l -> String.format("%.1f", l.seconds())).toList());
        }
    }
}
