package org.moelab.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.TestData;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json problems each give their own error, naming the key and the file. */
class ModelConfigErrorsTest {

    @TempDir
    Path dir;

    CheckpointException fails(String json) throws Exception {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, json);
        return assertThrows(CheckpointException.class, () -> ModelLoader.readConfig(cfg));
    }

    static final String MIXTRAL = """
            {"model_type": "mixtral", "vocab_size": 48, "hidden_size": 32, "intermediate_size": 64,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4,
             "num_local_experts": 4, "num_experts_per_tok": 2 %s}""";

    @Test
    void badJsonUnsupportedArchitectureAndMissingType() throws Exception {
        CheckpointException bad = fails("{\"model_type\": \"mixtral\",");
        assertEquals(Problem.BAD_JSON, bad.problem());
        assertTrue(bad.getMessage().contains("config.json"), bad.getMessage());

        CheckpointException llama = fails("{\"model_type\": \"llama\"}");
        assertEquals(Problem.UNSUPPORTED_ARCHITECTURE, llama.problem());
        assertTrue(llama.getMessage().contains("mixtral, olmoe, qwen2_moe, qwen3_moe"), llama.getMessage());

        assertEquals(Problem.BAD_CONFIG, fails("{\"hidden_size\": 4}").problem());
        assertEquals(Problem.BAD_JSON, fails("[1, 2]").problem());
    }

    @Test
    void missingOrWrongTypedKeysAreNamed() throws Exception {
        CheckpointException missing = fails("{\"model_type\": \"mixtral\", \"vocab_size\": 48}");
        assertEquals(Problem.BAD_CONFIG, missing.problem());
        assertTrue(missing.getMessage().contains("'hidden_size' is missing"), missing.getMessage());

        CheckpointException typed = fails(MIXTRAL.formatted(", \"rope_theta\": \"big\""));
        assertTrue(typed.getMessage().contains("'rope_theta' must be a number"), typed.getMessage());

        CheckpointException topk = fails(MIXTRAL.replace("\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9").formatted(""));
        assertTrue(topk.getMessage().contains("num_experts_per_tok"), topk.getMessage());
    }

    @Test
    void unsupportedRopeScalingIsRejectedNotIgnored() throws Exception {
        CheckpointException yarn = fails(MIXTRAL.formatted(", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}"));
        assertEquals(Problem.BAD_CONFIG, yarn.problem());
        assertTrue(yarn.getMessage().contains("rope_scaling type 'yarn' is not supported"), yarn.getMessage());
        assertEquals("mixtral", ModelLoader.readConfig(write(MIXTRAL.formatted(", \"rope_scaling\": null"))).modelType());
    }

    @Test
    void missingTensorNamesTheTensor() throws Exception {
        Path cfg = write(MIXTRAL.formatted(""));
        Path weights = TestData.fixture("qwen_moe_tiny.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelLoader.load(cfg, List.of(weights)));
        assertTrue(e.problem() == Problem.MISSING_TENSOR || e.problem() == Problem.SHAPE_MISMATCH, e.getMessage());
        assertTrue(e.tensor() != null && e.tensor().startsWith("model."), e.getMessage());
    }

    Path write(String json) throws Exception {
        Path cfg = dir.resolve("c" + System.nanoTime() + ".json");
        Files.writeString(cfg, json);
        return cfg;
    }
}
