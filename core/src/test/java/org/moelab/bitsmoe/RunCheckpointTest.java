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

    /**
     * With a work directory the factors live on disk between stages and are packed and written layer by layer;
     * the artifact must be byte-for-byte the one the all-in-memory path (and BitsMoe.pack + write) produces from the
     * same plan. (The same plan, not a second planning run: calibration sums are not bit-reproducible between runs,
     * so two runs can differ in the predicted cost's last digits, which the metadata records.)
     */
    @Test
    void aStreamedRunWritesTheSameBytesAsAnInMemoryOne() throws Exception {
        Path out = tmp.resolve("streamed");
        RunCheckpoint work = RunCheckpoint.open(out, id(OPTIONS, cal), false);
        BitsMoeRunner.Planned streamed = BitsMoeRunner.plan(model, OPTIONS, cal, work, Progress.NONE);
        List<org.moelab.bitsmoe.decomposition.LayerDecomposition> held = new java.util.ArrayList<>(streamed.decompositions());
        BitsMoeRunner.Planned p = streamed;
        BitsMoeRunner.Planned inMemory = new BitsMoeRunner.Planned(p.options(), held, p.statistics(), p.coverage(), p.costs(),
                p.problem(), p.plan(), p.calibration(), p.stages(), p.estimate(), p.fallbacks());

        Path memOut = tmp.resolve("mem");
        BitsMoeRunner.Summary mem = BitsMoeRunner.quantize(model, inMemory, memOut, Progress.NONE);
        Path packedOut = tmp.resolve("packed");
        org.moelab.bitsmoe.artifact.BitsMoeArtifact.write(packedOut, model, OPTIONS,
                new BitsMoe(OPTIONS).pack(held, p.plan(), Progress.NONE), p.plan(), cal, Progress.NONE);
        BitsMoeRunner.Summary s = BitsMoeRunner.quantize(model, streamed, out, work, Progress.NONE);
        assertFalse(Files.exists(work.directory()));

        byte[] expected = Files.readAllBytes(memOut.resolve("model.safetensors"));
        assertArrayEquals(expected, Files.readAllBytes(out.resolve("model.safetensors")));
        assertArrayEquals(expected, Files.readAllBytes(packedOut.resolve("model.safetensors")));
        org.junit.jupiter.api.Assertions.assertEquals(mem.achievedPayloadBits(), s.achievedPayloadBits());
        org.junit.jupiter.api.Assertions.assertEquals(mem.manifest().payloadSha256(), s.manifest().payloadSha256());
        try (var left = Files.list(tmp)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".spool-") || f.getFileName().toString().contains(".tmp")),
                    "no spool or temporary files left beside the outputs");
        }
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
