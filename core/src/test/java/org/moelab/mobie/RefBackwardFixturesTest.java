package org.moelab.mobie;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backward pass on the Hugging Face fixtures (Mixtral in both expert layouts, Mixtral with GQA, Qwen2-MoE with
 * its shared expert and q/k/v biases): the double reference forward matches the runtime (which matches the HF logits,
 * HuggingFaceGoldenTest) and every MoE layer's expert gradients match finite differences within 1e-3.
 */
class RefBackwardFixturesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "full_mixtral, mixtral_tiny_config",
            "mixtral_classic, mixtral_classic_config",
            "gqa_mixtral, gqa_mixtral_config",
            "qwen_moe_tiny, qwen_moe_tiny_config"})
    void gradientsMatchFiniteDifferences(String weights, String config) {
        try (MoeModel model = ModelLoader.load(TestData.fixture(config + ".json"), List.of(TestData.fixture(weights + ".safetensors")))) {
            RefModel ref = RefModel.of(model);
            int vocab = model.config().vocabSize();
            double gap = GradientCheck.forwardGap(model, ref, GradientCheck.sequences(vocab, 1, 20, 3)[0]);
            assertTrue(gap < 2e-3, weights + ": reference forward vs runtime, max |Δlogit| / max |logit| = " + gap);
            GradientCheck.Result r = GradientCheck.expertGradients(ref, GradientCheck.sequences(vocab, 2, 12, 5), 9);
            r.report().forEach(line -> System.out.println(weights + " " + line));
            assertTrue(r.checked() >= 3, weights + ": no MoE layer checked");
            assertTrue(r.worst() <= 1e-3, weights + ": worst relative error " + r.worst() + "\n" + String.join("\n", r.report()));
        }
    }
}
