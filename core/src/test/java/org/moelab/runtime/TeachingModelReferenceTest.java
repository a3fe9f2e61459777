package org.moelab.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.moelab.TestData.doubles;
import static org.moelab.TestData.ints;

/** The bundled teaching model reproduces reference.json (PyTorch float32 from the same bf16 weights). */
class TeachingModelReferenceTest {

    static MoeModel model;
    static Transformer transformer;
    static JsonNode reference;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestData.teachingModel());
        transformer = new Transformer(model);
        reference = TestData.json(TestData.teachingModel().resolve("reference.json"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void lastPositionLogitsArgmaxAndLogsumexp() {
        assertEquals(5, reference.get("prompts").size());
        for (JsonNode p : reference.get("prompts")) {
            int[] ids = ints(p.get("input_ids"));
            double[] expected = doubles(p.get("last_logits"));
            float[] logits = transformer.newSession().feed(ids);
            assertEquals(expected.length, logits.length);
            double maxDiff = 0;
            for (int v = 0; v < logits.length; v++) maxDiff = Math.max(maxDiff, Math.abs(logits[v] - expected[v]));
            assertTrue(maxDiff <= 2e-3, "prompt '" + p.get("prompt").asText() + "': max |logit - ref| = " + maxDiff);
            assertEquals(p.get("argmax").asInt(), Sampler.argmax(logits, 0, logits.length), "argmax");
            double lse = org.moelab.eval.Perplexity.logSumExp(logits, 0, logits.length);
            assertEquals(p.get("logsumexp").asDouble(), lse, 2e-3, "logsumexp");
        }
    }

    @Test
    void twentyGreedyTokensIdentical() {
        for (JsonNode p : reference.get("prompts")) {
            int[] ids = ints(p.get("input_ids"));
            int[] expected = ints(p.get("greedy_20"));
            Generator.Result r = new Generator(transformer).generate(ids, expected.length, SamplingOptions.greedy(), Set.of(), null);
            assertArrayEquals(expected, r.tokens(), "greedy continuation of '" + p.get("prompt").asText() + "'");
        }
    }
}
