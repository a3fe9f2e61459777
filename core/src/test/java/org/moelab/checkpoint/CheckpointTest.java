package org.moelab.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.moelab.checkpoint.CheckpointAssertions.assertContains;
import static org.moelab.checkpoint.CheckpointAssertions.assertProblem;
import static org.moelab.checkpoint.SafetensorsWriter.shape;

/** Whole checkpoints: several files, sharded directories with an index, and lookups by name and shape. */
class CheckpointTest {

    @TempDir
    Path root;

    private Path model() {
        return root.resolve("model");
    }

    private Path shard(int i) {
        return model().resolve("model-0000" + i + "-of-00002.safetensors");
    }

    /** Two shards: embed + layer-0 q_proj in the first, the norm and lm_head in the second. */
    private void writeTwoShards() {
        new SafetensorsWriter().metadata("format", "pt")
                .bf16("model.embed_tokens.weight", shape(3, 2), 1f, -2.5f, 0.5f, -0.0078125f, 96f, 0f)
                .f32("model.layers.0.self_attn.q_proj.weight", shape(2, 2), 0.1f, -1e-30f, 3.25f, -7f)
                .write(shard(1));
        new SafetensorsWriter()
                .f16("model.norm.weight", shape(2), 1f, -2.5f)
                .f32("lm_head.weight", shape(3, 2), 1, 2, 3, 4, 5, -6)
                .write(shard(2));
    }

    private static Map<String, String> indexOfTwoShards() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("model.embed_tokens.weight", "model-00001-of-00002.safetensors");
        map.put("model.layers.0.self_attn.q_proj.weight", "model-00001-of-00002.safetensors");
        map.put("model.norm.weight", "model-00002-of-00002.safetensors");
        map.put("lm_head.weight", "model-00002-of-00002.safetensors");
        return map;
    }

    private static void assertFloats(Tensor t, float... expected) {
        assertEquals(expected.length, t.elements(), t.name());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(t.getFloat(i)), t.name() + "[" + i + "]");
        }
    }

    // ---- sharded directory ----

    @Test
    void shardedDirectoryOpensAndEveryTensorReadsBack() {
        writeTwoShards();
        SafetensorsWriter.writeIndex(model(), indexOfTwoShards());
        try (Checkpoint cp = Checkpoint.openDirectory(model())) {
            assertEquals(2, cp.files().size());
            assertEquals(4, cp.tensors().size());
            assertFloats(cp.get("model.embed_tokens.weight", 3, 2), 1f, -2.5f, 0.5f, -0.0078125f, 96f, 0f);
            assertFloats(cp.get("model.layers.0.self_attn.q_proj.weight"), 0.1f, -1e-30f, 3.25f, -7f);
            assertFloats(cp.get("model.norm.weight", 2), 1f, -2.5f);
            assertFloats(cp.get("lm_head.weight"), 1, 2, 3, 4, 5, -6);
            assertTrue(cp.has("lm_head.weight"));
            assertFalse(cp.has("model.layers.1.self_attn.q_proj.weight"));
            assertEquals(6 * 2 + 4 * 4 + 2 * 2 + 6 * 4, cp.totalBytes());
            assertEquals("pt", cp.metadata().get("format"));
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "not json", "{\"weight_map\": ", "[]", "{}", "{\"weight_map\": []}",
            "{\"weight_map\": \"model-00001-of-00002.safetensors\"}", "{\"weight_map\": {}}",
            "{\"weight_map\": {\"w\": \"a.safetensors\", \"w\": \"b.safetensors\"}}",
            "{\"weight_map\": {\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}} trailing"})
    void malformedIndexIsBadJson(String index) {
        writeTwoShards();
        Path indexFile = SafetensorsWriter.writeText(model().resolve(Checkpoint.INDEX_FILE), index);
        assertProblem(Problem.BAD_JSON, indexFile, null, () -> Checkpoint.openDirectory(model()).close());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"2", "null", "[\"model-00002-of-00002.safetensors\"]", "\"\"", "\".\""})
    void indexValueThatIsNotAShardFileIsBadJsonNamingTheTensor(String value) {
        writeTwoShards();
        Path indexFile = SafetensorsWriter.writeText(model().resolve(Checkpoint.INDEX_FILE),
                "{\"weight_map\": {\"model.norm.weight\": \"model-00002-of-00002.safetensors\", \"lm_head.weight\": "
                        + value + "}}");
        assertProblem(Problem.BAD_JSON, indexFile, "lm_head.weight", () -> Checkpoint.openDirectory(model()).close());
    }

    @Test
    void indexNamingATensorItsShardLacksIsMissingTensor() {
        writeTwoShards();
        Map<String, String> map = indexOfTwoShards();
        map.put("model.layers.1.self_attn.q_proj.weight", "model-00002-of-00002.safetensors");
        SafetensorsWriter.writeIndex(model(), map);
        assertProblem(Problem.MISSING_TENSOR, shard(2), "model.layers.1.self_attn.q_proj.weight",
                () -> Checkpoint.openDirectory(model()).close());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"../x.safetensors", "sub/../../x.safetensors", "ROOT/x.safetensors"})
    void shardPathEscapingTheDirectoryIsRejected(String shardName) {
        writeTwoShards();
        // The escaping target exists and is valid: it must be refused for where it is, not for what it holds.
        new SafetensorsWriter().f32("stolen", shape(1), 1f).write(root.resolve("x.safetensors"));
        Map<String, String> map = indexOfTwoShards();
        map.put("stolen", shardName.replace("ROOT", root.toAbsolutePath().toString()));
        Path index = SafetensorsWriter.writeIndex(model(), map);
        CheckpointException e = assertProblem(Problem.BAD_JSON, index, null,
                () -> Checkpoint.openDirectory(model()).close());
        assertContains(e.getMessage(), "outside the model directory");
    }

    @Test
    void indexNamingAShardThatDoesNotExistIsUnreadable() {
        writeTwoShards();
        Map<String, String> map = indexOfTwoShards();
        map.put("extra", "model-00003-of-00002.safetensors");
        SafetensorsWriter.writeIndex(model(), map);
        assertProblem(Problem.FILE_UNREADABLE, model().resolve("model-00003-of-00002.safetensors"), null,
                () -> Checkpoint.openDirectory(model()).close());
    }

    @Test
    void corruptShardIsReportedAgainstThatShard() {
        writeTwoShards();
        SafetensorsWriter.write(shard(2), "{\"lm_head.weight\": {\"dtype\": \"I64\", \"shape\": [1], "
                + "\"data_offsets\": [0, 8]}}", new byte[8]);
        SafetensorsWriter.writeIndex(model(), indexOfTwoShards());
        assertProblem(Problem.UNSUPPORTED_DTYPE, shard(2), "lm_head.weight",
                () -> Checkpoint.openDirectory(model()).close());
    }

    @Test
    void shardsListedTwiceUnderDifferentSpellingsOpenOnce() {
        writeTwoShards();
        Map<String, String> map = indexOfTwoShards();
        map.put("lm_head.weight", "./model-00002-of-00002.safetensors");
        SafetensorsWriter.writeIndex(model(), map);
        try (Checkpoint cp = Checkpoint.openDirectory(model())) {
            assertEquals(2, cp.files().size());
            assertEquals(4, cp.tensors().size());
        }
    }

    // ---- several files, single file, directories without weights ----

    @Test
    void sameTensorInTwoFilesIsDuplicate() {
        Path a = new SafetensorsWriter().f32("w", shape(1), 1f).f32("a", shape(1), 2f).write(root.resolve("a.safetensors"));
        Path b = new SafetensorsWriter().f32("b", shape(1), 3f).f32("w", shape(1), 4f).write(root.resolve("b.safetensors"));
        CheckpointException e = assertProblem(Problem.DUPLICATE_TENSOR, b, "w",
                () -> Checkpoint.openFiles(List.of(a, b)).close());
        assertContains(e.getMessage(), a.toString());
    }

    @Test
    void singleFileDirectoryOpens() {
        Path f = new SafetensorsWriter().metadata("step", "7").f32("w", shape(2), 1f, -2.5f)
                .write(model().resolve(Checkpoint.SINGLE_FILE));
        try (Checkpoint cp = Checkpoint.openDirectory(model())) {
            assertEquals(List.of(f), cp.files());
            assertFloats(cp.get("w"), 1f, -2.5f);
            assertEquals(Map.of("step", "7"), cp.metadata());
        }
    }

    @Test
    void directoryWithOtherSafetensorsNamesOpensThemAll() {
        new SafetensorsWriter().f32("b", shape(1), 2f).write(model().resolve("weights-b.safetensors"));
        new SafetensorsWriter().f32("a", shape(1), 1f).write(model().resolve("weights-a.safetensors"));
        try (Checkpoint cp = Checkpoint.openDirectory(model())) {
            assertEquals(List.of(model().resolve("weights-a.safetensors"), model().resolve("weights-b.safetensors")),
                    cp.files());
            assertFloats(cp.get("b"), 2f);
        }
    }

    @Test
    void directoryWithoutSafetensorsIsUnreadable() throws Exception {
        Files.createDirectories(model());
        Files.writeString(model().resolve("config.json"), "{}");
        Files.writeString(model().resolve("model.bin"), "not weights");
        assertProblem(Problem.FILE_UNREADABLE, model(), null, () -> Checkpoint.openDirectory(model()).close());
    }

    @Test
    void missingDirectoryIsUnreadable() {
        assertProblem(Problem.FILE_UNREADABLE, root.resolve("nowhere"), null,
                () -> Checkpoint.openDirectory(root.resolve("nowhere")).close());
    }

    // ---- lookups ----

    @Test
    void getOfAMissingNameIsMissingTensorNamingIt() {
        Path f = new SafetensorsWriter().f32("w", shape(1), 1f).write(root.resolve("one.safetensors"));
        try (Checkpoint cp = Checkpoint.openFiles(List.of(f))) {
            assertProblem(Problem.MISSING_TENSOR, f, "model.layers.3.mlp.gate.weight",
                    () -> cp.get("model.layers.3.mlp.gate.weight"));
            assertProblem(Problem.MISSING_TENSOR, f, "absent", () -> cp.get("absent", 1));
        }
    }

    @Test
    void getWithTheWrongShapeIsShapeMismatchNamingTensorAndOwningFile() {
        writeTwoShards();
        try (Checkpoint cp = Checkpoint.openFiles(List.of(shard(1), shard(2)))) {
            Tensor ok = cp.get("lm_head.weight", 3, 2);
            assertSame(ok, cp.get("lm_head.weight"));
            assertArrayEquals(new long[] {3, 2}, ok.shape());
            CheckpointException e = assertProblem(Problem.SHAPE_MISMATCH, shard(2), "lm_head.weight",
                    () -> cp.get("lm_head.weight", 2, 3));
            assertContains(e.getMessage(), "[3, 2]", "[2, 3]");
            assertProblem(Problem.SHAPE_MISMATCH, shard(2), "lm_head.weight", () -> cp.get("lm_head.weight", 6));
            assertProblem(Problem.SHAPE_MISMATCH, shard(1), "model.embed_tokens.weight",
                    () -> cp.get("model.embed_tokens.weight", 3, 2, 1));
        }
    }
}
