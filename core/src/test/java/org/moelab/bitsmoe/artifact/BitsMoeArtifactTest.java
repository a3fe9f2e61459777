package org.moelab.bitsmoe.artifact;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save → load of a BitsMoE artifact is bit-identical; damaged artifacts fail clearly; writes are atomic. */
class BitsMoeArtifactTest {

    static MoeModel model;
    static CalibrationSet calibration;
    static BitsMoeOptions options = BitsMoeOptions.defaults(2.5).withLayers(List.of(0, 2));
    static List<QuantizedLayer> layers;
    static AllocationPlan plan;
    static final int[] PROMPT = {11, 400, 23, 7, 1999, 3, 64, 812, 90, 5};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void quantize() throws Exception {
        model = ModelLoader.load(TestData.teachingModel());
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            calibration = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(TestData.repo()), 8, 128, 7, 0.05);
        }
        BitsMoe b = new BitsMoe(options);
        List<LayerDecomposition> d = b.decompose(model, Progress.NONE);
        var stats = b.calibrate(model, d, calibration, Progress.NONE);
        plan = b.allocate(b.problem(model, b.costs(d, stats, Progress.NONE)), Progress.NONE);
        layers = b.pack(d, plan, Progress.NONE);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[] logits(Transformer t) {
        return t.newSession().feedAll(PROMPT);
    }

    private Path written(String name) {
        Path out = tmp.resolve(name);
        BitsMoeArtifact.write(out, model, options, layers, plan, calibration, Progress.NONE);
        return out;
    }

    @Test
    void roundTripIsBitIdentical() {
        Path out = written("a");
        float[] before = logits(new Transformer(model, BitsMoe.blocks(model, layers)));
        try (BitsMoeArtifact.Loaded a = BitsMoeArtifact.load(out)) {
            assertArrayEquals(before, logits(a.transformer()), "loaded artifact must give bit-identical logits");
            ArtifactManifest m = a.manifest();
            assertEquals(List.of(0, 2), m.layers());
            assertEquals(2.5, m.budgetBits());
            assertEquals(plan.averageBits().payload(), m.bitsPayload());
            assertEquals(calibration.sha256(), m.calibrationSha256());
            assertTrue(a.model().layers().get(0).moe().experts().isEmpty(), "quantized layers have no dense experts");
            assertEquals(16, a.model().layers().get(1).moe().experts().size(), "preview keeps the other layers as they were");
        }
        // any safetensors reader sees the metadata and tensors
        try (Checkpoint cp = Checkpoint.openDirectory(out)) {
            assertEquals(BitsMoeArtifact.FORMAT, cp.metadata().get("format"));
            assertTrue(cp.has("bitsmoe.layers.0.gate.bits"));
            assertFalse(cp.has("model.layers.0.mlp.experts.0.gate_proj.weight"));
            assertTrue(cp.has("model.layers.1.mlp.experts.0.gate_proj.weight"));
        }
        assertTrue(Files.exists(out.resolve("tokenizer.json")) && Files.exists(out.resolve("config.json")));
    }

    @Test
    void rewritingReplacesTheOldArtifactAndLeavesNoTemporaryFiles() throws Exception {
        Path out = written("b");
        written("b");
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".b.")), "temporary directories are removed");
        }
        BitsMoeArtifact.load(out).close();
    }

    @Test
    void refusesToOverwriteADirectoryThatIsNotAnArtifact() throws Exception {
        Path out = tmp.resolve("precious");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "keep me");
        var e = assertThrows(IllegalArgumentException.class,
                () -> BitsMoeArtifact.write(out, model, options, layers, plan, calibration, Progress.NONE));
        assertTrue(e.getMessage().contains("not a moelab artifact"), e.getMessage());
        assertEquals("keep me", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void aTamperedPayloadFailsTheHashCheck() throws Exception {
        Path out = written("c");
        try (RandomAccessFile f = new RandomAccessFile(out.resolve("model.safetensors").toFile(), "rw")) {
            f.seek(f.length() - 3);
            int b = f.read();
            f.seek(f.length() - 3);
            f.write(b ^ 0x5A);
        }
        var e = assertThrows(CheckpointException.class, () -> BitsMoeArtifact.load(out));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void aTruncatedArtifactFailsClearly() throws Exception {
        Path out = written("d");
        Path w = out.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(all, all.length / 2));
        var e = assertThrows(CheckpointException.class, () -> BitsMoeArtifact.load(out));
        assertTrue(e.getMessage().contains("SHA-256") || e.getMessage().toLowerCase().contains("trunc"), e.getMessage());
    }

    @Test
    void aMissingOrForeignManifestIsNamed() throws Exception {
        Path out = written("e");
        Files.writeString(out.resolve("moelab.json"), "{\"format\":\"something/9\"}");
        var e = assertThrows(CheckpointException.class, () -> BitsMoeArtifact.load(out));
        assertTrue(e.getMessage().contains("something/9"), e.getMessage());
        var e2 = assertThrows(CheckpointException.class, () -> BitsMoeArtifact.load(TestData.teachingModel()));
        assertTrue(e2.getMessage().contains("not a moelab artifact"), e2.getMessage());
    }
}
