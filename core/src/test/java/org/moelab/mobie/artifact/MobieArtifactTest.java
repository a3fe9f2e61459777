package org.moelab.mobie.artifact;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.mobie.Binarizer;
import org.moelab.mobie.Mobie;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.Tensor;
import org.moelab.tokenizer.MoeTokenizer;

import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Save → load of a packed MoBiE artifact runs the same binary experts bit for bit; the file holds exactly the
 * honest bit count; damaged artifacts fail naming what is wrong. The binarizer's searches are shortened
 * (8 salient-column candidates, 9 τ steps, 2 ARB rounds) and calibration is small: the format does not
 * depend on them, and the test stays fast.
 */
class MobieArtifactTest {

    static MoeModel model;
    static CalibrationSet calibration;
    static final Binarizer.Options FAST = new Binarizer.Options(128, 0.01, 8, true, 0.1, 0.9, 9, 2, false);
    static final Mobie.Options FULL = Mobie.Options.defaults().withBinarizer(FAST);
    static final Mobie.Options BASE = Mobie.Options.base().withBinarizer(FAST);
    static Mobie.Result full;
    static Mobie.Result base;
    static final int[] PROMPT = {11, 400, 23, 7, 1999, 3, 64, 812, 90, 5};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void quantize() throws Exception {
        model = ModelLoader.load(TestData.teachingModel());
        try (MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            calibration = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(TestData.repo()), 4, 128, 7, 0.05);
        }
        full = Mobie.quantize(model, calibration, FULL, Progress.NONE);
        base = Mobie.quantize(model, calibration, BASE, Progress.NONE);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[] logits(Transformer t) {
        return t.newSession().feedAll(PROMPT);
    }

    static Path written(String name, Mobie.Result r, Mobie.Options o) {
        Path out = tmp.resolve(name);
        MobieArtifact.write(out, model, r, o, calibration);
        return out;
    }

    @Test
    void roundTripIsBitIdenticalWithAndWithoutCejd() {
        for (Mobie.Result r : List.of(full, base)) {
            Mobie.Options o = r == full ? FULL : BASE;
            Path out = written("rt-" + o.label(), r, o);
            float[] before = logits(new Transformer(model, r.packedLayers(model)));
            try (BitsMoeArtifact.Loaded a = MobieArtifact.load(out)) {
                assertArrayEquals(before, logits(a.transformer()), o.label() + ": the loaded artifact must give bit-identical logits");
                assertEquals(r.bits().paper(), a.manifest().bitsPayload());
                assertEquals(r.bits().honest(), a.manifest().bitsWithBasis());
                assertEquals(List.of(0, 1, 2, 3), a.manifest().layers());
                assertTrue(a.model().layers().get(0).moe().experts().isEmpty(), "binarized layers have no dense experts");
            }
            MobieManifest m = MobieArtifact.readManifest(out);
            assertEquals(o.label(), m.components());
            assertEquals(calibration.sha256(), m.calibrationSha256());
            assertEquals(r == full ? List.of("OUTPUT", "OUTPUT", "INPUT") : null, m.sides());
            assertTrue(Files.exists(out.resolve("tokenizer.json")) && Files.exists(out.resolve("config.json")));
        }
    }

    @Test
    void theFileStoresExactlyTheHonestBits() throws Exception {
        for (Mobie.Result r : List.of(full, base)) {
            Path out = written("bits-" + (r == full ? "full" : "base"), r, r == full ? FULL : BASE);
            long stored = 0;
            try (Checkpoint cp = Checkpoint.openDirectory(out)) {
                assertEquals(MobieArtifact.FORMAT, cp.metadata().get("format"));
                assertFalse(cp.has("model.layers.0.mlp.experts.0.gate_proj.weight"));
                assertEquals(r == full, cp.has("mobie.layers.0.gate.backbone"));
                for (Tensor t : cp.tensors()) if (t.name().startsWith("mobie.")) stored += 8 * t.data().byteSize();
            }
            long honest = r.bits().paperBits() + r.bits().bitmapBits() + r.bits().paramBits() + r.bits().backboneBits();
            assertEquals(honest, stored, "the teaching model's widths are multiples of 64: no padding");
            assertEquals(model.routedExpertParameters(), r.bits().weights());
        }
    }

    @Test
    void aTamperedPayloadFailsTheHashCheck() throws Exception {
        Path out = written("tampered", full, FULL);
        try (RandomAccessFile f = new RandomAccessFile(out.resolve("model.safetensors").toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x5A);
        }
        var e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("modified or damaged"), e.getMessage());
    }

    @Test
    void aTruncatedArtifactFailsClearly() throws Exception {
        Path out = written("truncated", full, FULL);
        Path w = out.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(all, all.length - 1000));
        var e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        Files.delete(w);
        e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aConsistentlyHashedButMalformedTableIsNamed() throws Exception {
        Path out = written("shape", full, FULL);
        rewrite(out, "mobie.layers.1.up.params", t -> Arrays.copyOf(t, t.length / 8 * 7), new long[] {16, 128, 2, 7});
        var e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out));
        assertTrue(e.getMessage().contains("mobie.layers.1.up.params") && e.getMessage().contains("expected"), e.getMessage());

        Path out2 = written("code", full, FULL);
        rewrite(out2, "mobie.layers.2.down.backbone", t -> {
            t[3] = (byte) -128;
            return t;
        }, null);
        e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out2));
        assertTrue(e.getMessage().contains("mobie.layers.2.down.backbone") && e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void aForeignManifestAndAnOccupiedDirectoryAreRefused() throws Exception {
        Path out = written("foreign", base, BASE);
        Files.writeString(out.resolve("moelab.json"), "{\"format\":\"something/9\"}");
        assertFalse(MobieArtifact.isArtifact(out));
        var e = assertThrows(CheckpointException.class, () -> MobieArtifact.load(out));
        assertTrue(e.getMessage().contains("something/9"), e.getMessage());
        Path precious = tmp.resolve("precious");
        Files.createDirectories(precious);
        Files.writeString(precious.resolve("notes.txt"), "keep me");
        var e2 = assertThrows(IllegalArgumentException.class, () -> MobieArtifact.write(precious, model, base, BASE, calibration));
        assertTrue(e2.getMessage().contains("not a moelab artifact"), e2.getMessage());
        assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary directories are left");
        }
    }

    /** Replaces one tensor's bytes (and shape, if given) and re-hashes, so only the structural checks can catch it. */
    static void rewrite(Path dir, String name, UnaryOperator<byte[]> change, long[] shape) throws Exception {
        Path f = dir.resolve("model.safetensors");
        CheckpointWriter w = new CheckpointWriter();
        try (Checkpoint cp = Checkpoint.openDirectory(dir)) {
            cp.metadata().forEach(w::metadata);
            for (Tensor t : cp.tensors()) {
                byte[] b = t.data().toArray(ValueLayout.JAVA_BYTE);
                if (t.name().equals(name)) w.add(name, t.dtype(), shape != null ? shape : t.shape(), change.apply(b));
                else w.add(t.name(), t.dtype(), t.shape(), b);
            }
        }
        w.write(f);
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(dir.resolve("moelab.json").toFile());
        m.put("payloadSha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
        Files.writeString(dir.resolve("moelab.json"), json.writeValueAsString(m));
    }
}
