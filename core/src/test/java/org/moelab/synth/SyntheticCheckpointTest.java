package org.moelab.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.ModelConfig;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Generator;
import org.moelab.runtime.SamplingOptions;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synthetic checkpoints on reduced shapes of each family (the real ones are GBs): written in several shards,
 * loaded by the ordinary ModelLoader, run end to end, tokenizer covering every id; deterministic; atomic.
 */
class SyntheticCheckpointTest {

    @TempDir
    Path tmp;

    private static Path teachingTokenizer() {
        return TestData.existing(TestData.teachingModel().resolve("tokenizer.json"));
    }

    /** H 64, I 32, E 8, K 2, 4 heads / 2 kv of 16, V 4200 (the 4,096-id teaching BPE + 104 placeholders). */
    private static SynthShape small(SynthShape s) {
        return s.reduced(64, 32, 8, 2, 4, 2, 16, 4200);
    }

    private SyntheticCheckpoint.Summary write(Path out, SynthShape shape, int layers, long seed) {
        return SyntheticCheckpoint.write(out, new SyntheticCheckpoint.Options(shape, layers, seed, 24 << 10, teachingTokenizer()), Progress.NONE);
    }

    @Test
    void qwen3ShapeLoadsShardedAndRuns() throws Exception {
        SynthShape shape = small(SynthShape.QWEN3_30B_A3B);
        Path out = tmp.resolve("q");
        SyntheticCheckpoint.Summary s = write(out, shape, 2, 7);
        assertTrue(s.shards() > 2, "24 KiB shards must split this model, got " + s.shards());
        assertEquals(s.shards(), Files.list(out).filter(p -> p.toString().endsWith(".safetensors")).count());
        JsonNode index = new ObjectMapper().readTree(out.resolve(Checkpoint.INDEX_FILE).toFile());
        List<SynthTensors.Spec> specs = SynthTensors.of(shape, 2);
        assertEquals(specs.size(), index.get("weight_map").size());
        long total = specs.stream().mapToLong(SynthTensors.Spec::bf16Bytes).sum();
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        try (MoeModel m = ModelLoader.load(out)) {
            ModelConfig c = m.config();
            assertEquals("qwen3_moe", c.modelType());
            assertEquals(List.of(64, 32, 8, 2, 4, 2, 16, 4200, 2), List.of(c.hidden(), c.expertIntermediate(), c.experts(), c.topK(),
                    c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(), c.layers()));
            assertEquals(ModelConfig.QkNorm.PER_HEAD, c.qkNorm());
            assertEquals(total, m.checkpoint().totalBytes());
            for (Tensor t : m.checkpoint().tensors()) assertEquals(DType.BF16, t.dtype(), t.name());
            initStatistics(m.embedding(), shape.initStd());
            initStatistics(m.layers().get(1).moe().experts().get(5).down(), shape.initStd());
            for (int i = 0; i < 64; i++) assertEquals(1f, m.layers().get(0).inputNorm().getFloat(i));
            runs(m, out);
        }
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("moelab.json").toFile());
        assertEquals(SyntheticCheckpoint.FORMAT, manifest.get("format").asText());
        assertEquals(4096, manifest.get("tokenizer_ids").asInt());
        assertEquals(104, manifest.get("placeholder_ids").asInt());
    }

    @Test
    void mixtralAndOlmoeShapesLoadAndRun() throws Exception {
        for (SynthShape base : List.of(SynthShape.MIXTRAL_8X7B, SynthShape.OLMOE_1B_7B)) {
            Path out = tmp.resolve(base.name());
            write(out, small(base), 1, 3);
            try (MoeModel m = ModelLoader.load(out)) {
                assertEquals(base.modelType(), m.config().modelType());
                assertEquals(8, m.layers().getFirst().moe().expertCount());
                assertEquals(base.normTopK(), m.config().normTopK());
                runs(m, out);
            }
        }
    }

    /** Uniform init of std σ: sample std within 2 %, mean near 0, nothing beyond σ·√3 (+ bf16 rounding). */
    private static void initStatistics(Tensor t, double std) {
        float[] v = t.toFloatArray();
        double sum = 0, sq = 0, max = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
            max = Math.max(max, Math.abs(x));
        }
        double mean = sum / v.length;
        double sd = Math.sqrt(sq / v.length - mean * mean);
        assertEquals(std, sd, 0.02 * std, t.name() + " std");
        assertTrue(Math.abs(mean) < 5 * std / Math.sqrt(v.length), t.name() + " mean " + mean);
        assertTrue(max <= std * Math.sqrt(3) * (1 + 1.0 / 128), t.name() + " max " + max);
    }

    /** Prompt encoded by the real BPE, greedy tokens decoded by the written tokenizer, logits finite and spread. */
    private static void runs(MoeModel m, Path dir) {
        try (MoeTokenizer written = MoeTokenizer.load(dir); MoeTokenizer source = MoeTokenizer.load(teachingTokenizer())) {
            assertEquals(m.config().vocabSize(), written.vocabSize(), "every embedding row has a token");
            String text = "The old man said that the sea was calm.";
            int[] prompt = source.encode(text);
            assertArrayEquals(prompt, written.encode(text), "placeholders must not change how text encodes");
            Transformer t = new Transformer(m);
            float[] logits = t.newSession().feed(prompt);
            double sq = 0;
            for (float x : logits) {
                assertTrue(Float.isFinite(x));
                sq += x * x;
            }
            assertTrue(sq / logits.length > 1e-4, "logits all ~0: the init scale is lost");
            Generator.Result r = new Generator(t).generate(prompt, 6, SamplingOptions.greedy(), Set.of(), null);
            assertEquals(6, r.tokens().length);
            assertFalse(written.decode(r.tokens()).isEmpty());
            assertFalse(written.decode(new int[] {m.config().vocabSize() - 1}).isEmpty(), "the last placeholder decodes");
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        SynthShape shape = small(SynthShape.OLMOE_1B_7B);
        write(tmp.resolve("a"), shape, 1, 11);
        write(tmp.resolve("b"), shape, 1, 11);
        write(tmp.resolve("c"), shape, 1, 12);
        assertEquals(digest(tmp.resolve("a")), digest(tmp.resolve("b")));
        assertNotEquals(digest(tmp.resolve("a")), digest(tmp.resolve("c")));
    }

    private static String digest(Path dir) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) md.update(Files.readAllBytes(p));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void atomicRefusesForeignDirectoriesAndLeavesNothingOnFailure() throws Exception {
        SynthShape shape = small(SynthShape.QWEN3_30B_A3B);
        Path foreign = tmp.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("keep.txt"), "mine");
        assertThrows(IllegalArgumentException.class, () -> write(foreign, shape, 1, 1));
        assertEquals("mine", Files.readString(foreign.resolve("keep.txt")));

        Path out = tmp.resolve("out");
        write(out, shape, 1, 1);
        String before = digest(out);
        write(out, shape, 1, 2); // a moelab output is replaced as a whole
        assertNotEquals(before, digest(out));

        // A tokenizer with more ids than V fails inside the temporary directory: the old output stays, no debris.
        SynthShape tooSmall = shape.reduced(64, 32, 8, 2, 4, 2, 16, 1000);
        String kept = digest(out);
        var e = assertThrows(RuntimeException.class, () -> write(out, tooSmall, 1, 3));
        assertTrue(e.getMessage().contains("vocab_size 1000"), e.getMessage());
        assertEquals(kept, digest(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(Set.of("foreign", "out"), Set.copyOf(s.map(p -> p.getFileName().toString()).toList()));
        }
    }

    @Test
    void shapesAndArgumentsAreChecked() {
        var e = assertThrows(IllegalArgumentException.class, () -> SynthShape.named("llama-70b"));
        assertTrue(e.getMessage().contains("qwen3-30b-a3b, mixtral-8x7b, olmoe-1b-7b"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SyntheticCheckpoint.Options(SynthShape.OLMOE_1B_7B, 17, 0, 1, teachingTokenizer()));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticCheckpoint.Options(SynthShape.OLMOE_1B_7B, 0, 0, 1, teachingTokenizer()));
        // Byte counts the benchmarks quote, from the shapes' own numbers: FP experts per layer and token, lm_head.
        SynthShape q = SynthShape.QWEN3_30B_A3B;
        assertEquals(75_497_472L, (long) q.topK() * 3 * q.expertIntermediate() * q.hidden() * 2);
        assertEquals(622_329_856L, 2L * q.vocab() * q.hidden());
        long specBytes = SynthTensors.of(q, 2).stream().mapToLong(SynthTensors.Spec::bf16Bytes).sum();
        assertEquals(specBytes, q.checkpointBytes(2));
    }
}
