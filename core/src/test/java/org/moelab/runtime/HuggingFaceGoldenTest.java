package org.moelab.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.moelab.TestData.doubles;
import static org.moelab.TestData.fixture;
import static org.moelab.TestData.ints;
import static org.moelab.TestData.json;

/** Full-model fixtures: logits at every position vs Hugging Face float64, and greedy continuations. */
class HuggingFaceGoldenTest {

    static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({
            "full_mixtral, mixtral_tiny_config, full_mixtral",
            "mixtral_classic, mixtral_classic_config, full_mixtral",
            "gqa_mixtral, gqa_mixtral_config, gqa_mixtral",
            "qwen_moe_tiny, qwen_moe_tiny_config, qwen_moe_tiny",
            "mixtral_scale, mixtral_scale_config, mixtral_scale",
            "qwen_scale, qwen_scale_config, qwen_scale"})
    void logitsMatchHuggingFace(String weights, String config, String reference) {
        JsonNode ref = json(fixture(reference + ".json"));
        int[] ids = ints(ref.get("input_ids"));
        double[] hf = doubles(ref.get("hf_logits"));
        try (MoeModel model = load(weights, config)) {
            int vocab = model.config().vocabSize();
            assertEquals(ids.length * vocab, hf.length, "reference holds logits for every position");
            float[] all = new Transformer(model).newSession().feedAll(ids);
            double maxDiff = 0;
            for (int i = 0; i < hf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(all[i] - hf[i]));
            assertTrue(maxDiff <= TOLERANCE, weights + ": max |logit - HF| = " + maxDiff);
            int lastOff = (ids.length - 1) * vocab;
            assertEquals(argmax(hf, lastOff, vocab), Sampler.argmax(all, lastOff, vocab), "last-position argmax");
            // The KV-cached path (prefill then one token at a time) gives the same last logits.
            InferenceSession s = new Transformer(model).newSession();
            s.feed(java.util.Arrays.copyOf(ids, ids.length - 1));
            float[] last = s.feed(ids[ids.length - 1]);
            for (int v = 0; v < vocab; v++) assertEquals(hf[lastOff + v], last[v], TOLERANCE, "cached decode logit " + v);
        }
    }

    /**
     * The {@code *_gen.json} decode references start from the first 3 prompt ids (full_mixtral_gen states
     * its prompt_ids [22, 25, 29], the first 3 of full_mixtral's input_ids; gqa_mixtral_gen omits them and
     * follows the same convention); the others continue their whole input_ids.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "full_mixtral, mixtral_tiny_config, full_mixtral, full_mixtral_gen, 3",
            "gqa_mixtral, gqa_mixtral_config, gqa_mixtral, gqa_mixtral_gen, 3",
            "qwen_moe_tiny, qwen_moe_tiny_config, qwen_moe_tiny, qwen_moe_tiny, 5",
            "mixtral_scale, mixtral_scale_config, mixtral_scale, mixtral_scale, 5",
            "qwen_scale, qwen_scale_config, qwen_scale, qwen_scale, 5"})
    void greedyContinuationsMatch(String weights, String config, String promptRef, String genRef, int promptLength) {
        JsonNode gen = json(fixture(genRef + ".json"));
        int[] prompt = java.util.Arrays.copyOf(ints(json(fixture(promptRef + ".json")).get("input_ids")), promptLength);
        if (gen.has("prompt_ids")) assertArrayEquals(ints(gen.get("prompt_ids")), prompt, "documented prompt");
        int[] expected = ints(gen.has("generated_ids") ? gen.get("generated_ids") : gen.get("greedy_ids"));
        try (MoeModel model = load(weights, config)) {
            // Run the full budget without stopping at EOS: the references continue past it.
            Generator.Result r = new Generator(new Transformer(model))
                    .generate(prompt, expected.length, SamplingOptions.greedy(), Set.of(), null);
            assertArrayEquals(expected, r.tokens(), weights + " greedy tokens");
            if (gen.has("step_logits")) {
                double[] steps = doubles(gen.get("step_logits"));
                int vocab = model.config().vocabSize();
                InferenceSession s = new Transformer(model).newSession();
                float[] logits = s.feed(prompt);
                for (int step = 0; step < expected.length; step++) {
                    for (int v = 0; v < vocab; v++) {
                        assertEquals(steps[step * vocab + v], logits[v], TOLERANCE, "step " + step + " logit " + v);
                    }
                    if (step + 1 < expected.length) logits = s.feed(expected[step]);
                }
            }
        }
    }

    static MoeModel load(String weights, String config) {
        return ModelLoader.load(fixture(config + ".json"), List.of(fixture(weights + ".safetensors")));
    }

    static int argmax(double[] a, int off, int len) {
        int best = 0;
        for (int i = 1; i < len; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }
}
