package org.moelab.synth;

import java.util.List;
import java.util.Locale;

/**
 * The dimensions of a real MoE model, as its Hugging Face {@code config.json} gives them, for writing a
 * random-weight checkpoint of the same shape ({@link SyntheticCheckpoint}). Only the shape is real; the
 * weights are not. Symbols: H hidden, I routed-expert intermediate, E experts, K top-k, V vocabulary.
 *
 * @param name               the {@code --like} name
 * @param modelType          config.json {@code model_type}
 * @param architecture       config.json {@code architectures[0]}
 * @param hidden             H ({@code hidden_size})
 * @param expertIntermediate I ({@code moe_intermediate_size}; Mixtral/OLMoE: {@code intermediate_size})
 * @param denseIntermediate  Qwen3's {@code intermediate_size} (unused when every layer is MoE), else 0
 * @param experts            E ({@code num_experts} / {@code num_local_experts})
 * @param topK               K ({@code num_experts_per_tok})
 * @param heads              query heads
 * @param kvHeads            key/value heads (GQA)
 * @param headDim            per-head dimension
 * @param vocab              V ({@code vocab_size}: rows of embed_tokens and lm_head)
 * @param realLayers         the real model's {@code num_hidden_layers}
 * @param rmsEps             {@code rms_norm_eps}
 * @param ropeTheta          {@code rope_theta}
 * @param maxPositions       {@code max_position_embeddings}
 * @param normTopK           {@code norm_topk_prob} (Mixtral always renormalises)
 * @param initStd            {@code initializer_range}: the std of every freshly initialised weight matrix
 * @param source             the Hugging Face repository whose config.json these numbers come from
 */
public record SynthShape(String name, String modelType, String architecture, int hidden, int expertIntermediate,
                         int denseIntermediate, int experts, int topK, int heads, int kvHeads, int headDim, int vocab,
                         int realLayers, double rmsEps, double ropeTheta, int maxPositions, boolean normTopK,
                         double initStd, String source) {

    /** Qwen/Qwen3-30B-A3B: 48 layers, H 2048, 128 experts of I 768, top-8, 32 q / 4 kv heads of 128, V 151936. */
    public static final SynthShape QWEN3_30B_A3B = new SynthShape("qwen3-30b-a3b", "qwen3_moe", "Qwen3MoeForCausalLM",
            2048, 768, 6144, 128, 8, 32, 4, 128, 151936, 48, 1e-6, 1_000_000.0, 40960, true, 0.02, "Qwen/Qwen3-30B-A3B");

    /** mistralai/Mixtral-8x7B-v0.1: 32 layers, H 4096, 8 experts of I 14336, top-2, 32 q / 8 kv heads of 128, V 32000. */
    public static final SynthShape MIXTRAL_8X7B = new SynthShape("mixtral-8x7b", "mixtral", "MixtralForCausalLM",
            4096, 14336, 0, 8, 2, 32, 8, 128, 32000, 32, 1e-5, 1_000_000.0, 32768, true, 0.02, "mistralai/Mixtral-8x7B-v0.1");

    /** allenai/OLMoE-1B-7B-0924: 16 layers, H 2048, 64 experts of I 1024, top-8, 16 heads of 128, V 50304. */
    public static final SynthShape OLMOE_1B_7B = new SynthShape("olmoe-1b-7b", "olmoe", "OlmoeForCausalLM",
            2048, 1024, 0, 64, 8, 16, 16, 128, 50304, 16, 1e-5, 10000.0, 4096, false, 0.02, "allenai/OLMoE-1B-7B-0924");

    public static final List<SynthShape> ALL = List.of(QWEN3_30B_A3B, MIXTRAL_8X7B, OLMOE_1B_7B);

    public SynthShape {
        if (hidden < 1 || expertIntermediate < 1 || experts < 1 || topK < 1 || topK > experts || heads < 1 || kvHeads < 1
                || heads % kvHeads != 0 || headDim < 2 || headDim % 2 != 0 || vocab < 1 || realLayers < 1) {
            throw new IllegalArgumentException("inconsistent shape " + name + ": H " + hidden + ", I " + expertIntermediate + ", E "
                    + experts + ", K " + topK + ", heads " + heads + "/" + kvHeads + " x " + headDim + ", V " + vocab);
        }
    }

    /** The shape named {@code like}, or a one-line error listing the valid names. */
    public static SynthShape named(String like) {
        String key = like == null ? "" : like.strip().toLowerCase(Locale.ROOT);
        for (SynthShape s : ALL) if (s.name.equals(key)) return s;
        throw new IllegalArgumentException("--like " + like + ": unknown model shape; valid: " + names());
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(SynthShape::name).toList());
    }

    /** Same family and layout, other dimensions: for tests and small demonstrations (the name says so). */
    public SynthShape reduced(int h, int inter, int e, int k, int nHeads, int nKv, int hd, int v) {
        return new SynthShape(name + "-reduced", modelType, architecture, h, inter, denseIntermediate == 0 ? 0 : 4 * h, e, k,
                nHeads, nKv, hd, v, realLayers, rmsEps, ropeTheta, maxPositions, normTopK, initStd, source + " (reduced)");
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** bf16 bytes of one decoder layer: attention, norms, router and E experts (3·I·H each). */
    public long layerBytes() {
        long attn = (long) hidden * (2L * qDim() + 2L * kvDim());
        long qk = switch (modelType) {
            case "qwen3_moe" -> 2L * headDim;
            case "olmoe" -> qDim() + kvDim();
            default -> 0;
        };
        return 2 * (attn + qk + 2L * hidden + (long) experts * hidden + 3L * experts * expertIntermediate * hidden);
    }

    /** bf16 bytes of a checkpoint with {@code layers} decoder layers (embedding and lm_head untied). */
    public long checkpointBytes(int layers) {
        return layers * layerBytes() + 2 * (2L * vocab * hidden + hidden);
    }
}
