package org.moelab.bitsmoe;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resuming an interrupted quantization reproduces the uninterrupted plan exactly; a different run is refused. */
class RunCheckpointTest {

    static MoeModel model;
    static CalibrationSet cal;
    static CalibrationSet otherCal;
    static final BitsMoeOptions OPTIONS = BitsMoeOptions.defaults(2.5).withLayers(List.of(1, 3));

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestData.teachingModel());
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            List<Path> files = CalibrationCorpus.defaultFiles(TestData.repo());
            cal = CalibrationCorpus.sample(tok, files, 6, 64, 3, 0.05);
            otherCal = CalibrationCorpus.sample(tok, files, 6, 64, 4, 0.05);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static RunCheckpoint.Identity id(BitsMoeOptions o, CalibrationSet c) {
        return new RunCheckpoint.Identity(o.toString(), "model-sha", c.sha256());
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOne() throws Exception {
        Path out = tmp.resolve("a");
        BitsMoeRunner.Planned fresh = BitsMoeRunner.plan(model, OPTIONS, cal, Progress.NONE);

        RunCheckpoint work = RunCheckpoint.open(out, id(OPTIONS, cal), false);
        BitsMoeRunner.plan(model, OPTIONS, cal, work, Progress.NONE);
        // "interrupt" after layer 1: drop layer 3's decomposition and both layers' costs
        Files.delete(work.directory().resolve("layer-3.decomposition.safetensors"));
        Files.delete(work.directory().resolve("layer-3.costs.safetensors"));
        Files.delete(work.directory().resolve("layer-1.costs.safetensors"));

        RunCheckpoint again = RunCheckpoint.open(out, id(OPTIONS, cal), true);
        BitsMoeRunner.Planned resumed = BitsMoeRunner.plan(model, OPTIONS, cal, again, Progress.NONE);
        assertArrayEquals(fresh.plan().bits(), resumed.plan().bits(), "same allocation, bit for bit");
        assertTrue(resumed.fallbacks().stream().anyMatch(f -> f.contains("resumed: 1 decomposed layers and the calibration statistics")),
                resumed.fallbacks().toString());

        BitsMoeRunner.quantize(model, resumed, out, again, Progress.NONE);
        assertFalse(Files.exists(again.directory()), "work files are removed once the artifact is written");
        assertTrue(Files.exists(out.resolve("moelab.json")));
    }

    @Test
    void aDifferentRunIsRefused() {
        Path out = tmp.resolve("b");
        RunCheckpoint.open(out, id(OPTIONS, cal), false);
        var bits = assertThrows(IllegalArgumentException.class, () -> RunCheckpoint.open(out, id(OPTIONS.withBits(3), cal), true));
        assertTrue(bits.getMessage().contains("other options"), bits.getMessage());
        var data = assertThrows(IllegalArgumentException.class, () -> RunCheckpoint.open(out, id(OPTIONS, otherCal), true));
        assertTrue(data.getMessage().contains("different calibration"), data.getMessage());
        var model2 = assertThrows(IllegalArgumentException.class,
                () -> RunCheckpoint.open(out, new RunCheckpoint.Identity(OPTIONS.toString(), "other", cal.sha256()), true));
        assertTrue(model2.getMessage().contains("different model"), model2.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> RunCheckpoint.open(tmp.resolve("c"), id(OPTIONS, cal), true));
        assertTrue(none.getMessage().contains("no interrupted run"), none.getMessage());
    }
}
