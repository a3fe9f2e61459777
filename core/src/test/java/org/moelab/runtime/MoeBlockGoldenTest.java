package org.moelab.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeWeights;
import org.moelab.model.family.WeightNames;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.moelab.TestData.doubles;
import static org.moelab.TestData.fixture;
import static org.moelab.TestData.json;

/** Block fixtures: router + experts (+ shared expert) of one layer vs the Hugging Face block output. */
class MoeBlockGoldenTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"qwen3_moe_layer0", "qwen2_moe_layer0", "mixtral_layer0", "qwen15_moe_layer0"})
    void blockOutputMatchesHuggingFace(String name) {
        JsonNode ref = json(fixture(name + ".json"));
        String mlp = ref.get("tensor_prefix").asText() + ".";
        int e = ref.get("num_experts").asInt();
        int k = ref.get("experts_per_token").asInt();
        int h = ref.get("d_model").asInt();
        int inter = ref.get("d_ff").asInt();
        try (Checkpoint cp = Checkpoint.openFiles(List.of(fixture(name + ".safetensors")))) {
            List<ExpertWeights> experts = WeightNames.experts(cp, mlp, e, h, inter, "gate_proj", "up_proj", "down_proj");
            boolean hasShared = ref.get("has_shared").asBoolean();
            int sharedInter = hasShared ? (int) cp.get(mlp + "shared_expert.gate_proj.weight").dim(0) : 0;
            ExpertWeights shared = hasShared
                    ? WeightNames.swiglu(cp, mlp + "shared_expert.", "gate_proj", "up_proj", "down_proj", h, sharedInter) : null;
            var gate = ref.get("has_shared_gate").asBoolean() ? cp.get(mlp + "shared_expert_gate.weight", 1, h) : null;
            // Mixtral always renormalises (softmax over the top-K logits); the Qwen families follow norm_topk_prob.
            boolean norm = name.startsWith("mixtral") || ref.get("norm_topk_prob").asBoolean();
            MoeBlock block = MoeBlock.dense(new MoeWeights(WeightNames.router(cp, mlp, e, h), experts, k, norm, shared, gate));
            float[] x = toFloats(doubles(ref.get("input")));
            float[] y = new float[h];
            block.forward(x, 1, y, 0, null);
            double[] hf = doubles(ref.get("hf_ref"));
            for (int i = 0; i < h; i++) assertEquals(hf[i], y[i], 1e-5, name + " output " + i);
        }
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
