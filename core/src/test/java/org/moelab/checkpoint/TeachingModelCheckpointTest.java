package org.moelab.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed teaching model ({@code models/moelab-tiny-qwen3moe}) opens cleanly, and every tensor is BF16 with
 * exactly the shape its {@code config.json} implies. The repository root comes from {@code -Dmoelab.repo} (set by
 * surefire), else from walking up from the working directory; if the model is not found the test fails, it never skips.
 */
class TeachingModelCheckpointTest {

    /** Throws (failing the test) when the repository or the model cannot be found. */
    private static Path modelDir() {
        return TestData.teachingModel();
    }

    private static Path weights() {
        return TestData.existing(modelDir().resolve(Checkpoint.SINGLE_FILE));
    }

    @Test
    void configIsTheOneThisTestWasWrittenFor() {
        JsonNode c = config();
        assertEquals("qwen3_moe", c.get("model_type").asText());
        assertEquals(256, c.get("hidden_size").asInt());
        assertEquals(4, c.get("num_hidden_layers").asInt());
        assertEquals(16, c.get("num_experts").asInt());
        assertEquals(128, c.get("moe_intermediate_size").asInt());
        assertEquals(4096, c.get("vocab_size").asInt());
        assertEquals(0, c.get("mlp_only_layers").size());
        assertEquals(1, c.get("decoder_sparse_step").asInt());
    }

    @Test
    void everyTensorIsBf16WithTheShapeConfigImplies() {
        Map<String, long[]> expected = expectedShapes(config());
        assertEquals(3 + 4 * (9 + 16 * 3), expected.size());
        try (SafetensorsFile f = SafetensorsFile.open(weights())) {
            assertEquals(expected.size(), f.tensors().size(), "tensor count");
            assertEquals(expected.keySet(), new TreeMap<>(f.tensors()).keySet());
            for (Tensor t : f.tensors().values()) {
                assertEquals(DType.BF16, t.dtype(), t.name());
                assertArrayEquals(expected.get(t.name()), t.shape(),
                        () -> t.name() + " is " + Arrays.toString(t.shape()));
                assertEquals(t.elements() * 2, t.data().byteSize(), t.name());
            }
            assertArrayEquals(new long[] {128, 256},
                    f.tensors().get("model.layers.0.mlp.experts.3.gate_proj.weight").shape());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void openDirectoryFindsTheSingleFileAndValuesAreSane() {
        try (Checkpoint cp = Checkpoint.openDirectory(modelDir())) {
            assertEquals(List.of(weights()), cp.files());
            assertEquals(231, cp.tensors().size());
            Tensor gate = cp.get("model.layers.3.mlp.experts.15.gate_proj.weight", 128, 256);
            Tensor down = cp.get("model.layers.0.mlp.experts.0.down_proj.weight", 256, 128);
            Tensor norm = cp.get("model.norm.weight", 256);
            for (Tensor t : List.of(gate, down, norm)) {
                float[] v = t.toFloatArray();
                boolean anyNonZero = false;
                for (float x : v) {
                    assertTrue(Float.isFinite(x), t.name());
                    anyNonZero |= x != 0;
                }
                assertTrue(anyNonZero, t.name() + " is all zeros");
            }
            assertEquals(2L * (2 * 4096 * 256 + 256 + 4 * (2 * 256 + 16 * 256 + 2 * 64 + 256 * 256 * 2
                    + 128 * 256 * 2 + 16 * 3 * 128 * 256)), cp.totalBytes());
        }
    }

    private static JsonNode config() {
        return TestData.json(modelDir().resolve("config.json"));
    }

    /** Names and shapes of a Qwen3-MoE checkpoint ({@code nn.Linear} weights are {@code [out, in]}). */
    private static Map<String, long[]> expectedShapes(JsonNode c) {
        long h = c.get("hidden_size").asLong();
        long vocab = c.get("vocab_size").asLong();
        long heads = c.get("num_attention_heads").asLong();
        long kvHeads = c.get("num_key_value_heads").asLong();
        long headDim = c.get("head_dim").asLong();
        long experts = c.get("num_experts").asLong();
        long inter = c.get("moe_intermediate_size").asLong();
        Map<String, long[]> m = new TreeMap<>();
        m.put("model.embed_tokens.weight", new long[] {vocab, h});
        m.put("lm_head.weight", new long[] {vocab, h});
        m.put("model.norm.weight", new long[] {h});
        for (int l = 0; l < c.get("num_hidden_layers").asInt(); l++) {
            String p = "model.layers." + l + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.q_proj.weight", new long[] {heads * headDim, h});
            m.put(p + "self_attn.k_proj.weight", new long[] {kvHeads * headDim, h});
            m.put(p + "self_attn.v_proj.weight", new long[] {kvHeads * headDim, h});
            m.put(p + "self_attn.o_proj.weight", new long[] {h, heads * headDim});
            m.put(p + "self_attn.q_norm.weight", new long[] {headDim});
            m.put(p + "self_attn.k_norm.weight", new long[] {headDim});
            m.put(p + "mlp.gate.weight", new long[] {experts, h});
            for (int e = 0; e < experts; e++) {
                String x = p + "mlp.experts." + e + ".";
                m.put(x + "gate_proj.weight", new long[] {inter, h});
                m.put(x + "up_proj.weight", new long[] {inter, h});
                m.put(x + "down_proj.weight", new long[] {h, inter});
            }
        }
        return m;
    }
}
