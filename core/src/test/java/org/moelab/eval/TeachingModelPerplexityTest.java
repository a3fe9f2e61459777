package org.moelab.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The teaching model's val.txt perplexity (window 256, first 32768 tokens) matches reference.json within 0.5 %. */
class TeachingModelPerplexityTest {

    @Test
    void valPerplexityMatchesReference() throws Exception {
        JsonNode ref = TestData.json(TestData.teachingModel().resolve("reference.json")).get("val_ppl");
        try (MoeModel model = ModelLoader.load(TestData.teachingModel());
             MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            int[] ids = tok.encode(Files.readString(TestData.teachingModel().resolve(ref.get("file").asText())));
            Perplexity.Result r = Perplexity.compute(new Transformer(model), ids, ref.get("window").asInt(),
                    ref.get("max_tokens").asInt(), Progress.NONE);
            assertEquals(ref.get("predicted_tokens").asLong(), r.predicted());
            double expected = ref.get("ppl").asDouble();
            assertEquals(expected, r.ppl(), expected * 0.005, "perplexity within 0.5 %");
        }
    }

    @Test
    void rejectsWindowsThatCannotWork() {
        try (MoeModel model = ModelLoader.load(TestData.teachingModel())) {
            Transformer t = new Transformer(model);
            int[] ids = new int[100];
            assertThrows(IllegalArgumentException.class, () -> Perplexity.compute(t, ids, 1, 0, Progress.NONE));
            assertThrows(IllegalArgumentException.class, () -> Perplexity.compute(t, ids, 4096, 0, Progress.NONE));
            var e = assertThrows(IllegalArgumentException.class, () -> Perplexity.compute(t, ids, 256, 0, Progress.NONE));
            assertEquals("the text has 100 tokens, fewer than one window of 256", e.getMessage());
        }
    }
}
