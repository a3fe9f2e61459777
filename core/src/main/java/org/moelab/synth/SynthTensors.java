package org.moelab.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensor names and shapes of a Hugging Face checkpoint of a {@link SynthShape}, in the order the hub
 * files list them (embedding, layer by layer, final norm, lm_head), with how each is initialised.
 * Per-family names: Qwen3-MoE and OLMoE {@code mlp.gate} + {@code mlp.experts.{e}.{gate,up,down}_proj};
 * Mixtral {@code block_sparse_moe.gate} + {@code block_sparse_moe.experts.{e}.w1 (gate), w3 (up), w2 (down)}.
 */
public final class SynthTensors {

    /** How a tensor is filled: random with the shape's init std (weights), or all ones (RMSNorm gains). */
    public enum Init { RANDOM, ONES }

    /** One tensor: its checkpoint name, shape (row-major, as in PyTorch) and init. */
    public record Spec(String name, long[] shape, Init init) {

        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public long bf16Bytes() {
            return 2 * elements();
        }
    }

    private SynthTensors() {
    }

    public static List<Spec> of(SynthShape s, int layers) {
        long h = s.hidden();
        long inter = s.expertIntermediate();
        List<Spec> out = new ArrayList<>();
        out.add(new Spec("model.embed_tokens.weight", new long[] {s.vocab(), h}, Init.RANDOM));           // (V, H)
        boolean mixtral = s.modelType().equals("mixtral");
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            out.add(new Spec(p + "input_layernorm.weight", new long[] {h}, Init.ONES));
            String a = p + "self_attn.";
            out.add(new Spec(a + "q_proj.weight", new long[] {s.qDim(), h}, Init.RANDOM));                 // (heads·hd, H)
            out.add(new Spec(a + "k_proj.weight", new long[] {s.kvDim(), h}, Init.RANDOM));                // (kv·hd, H)
            out.add(new Spec(a + "v_proj.weight", new long[] {s.kvDim(), h}, Init.RANDOM));                // (kv·hd, H)
            out.add(new Spec(a + "o_proj.weight", new long[] {h, s.qDim()}, Init.RANDOM));                 // (H, heads·hd)
            switch (s.modelType()) {
                case "qwen3_moe" -> {                                                                       // per head
                    out.add(new Spec(a + "q_norm.weight", new long[] {s.headDim()}, Init.ONES));
                    out.add(new Spec(a + "k_norm.weight", new long[] {s.headDim()}, Init.ONES));
                }
                case "olmoe" -> {                                                                           // whole projection
                    out.add(new Spec(a + "q_norm.weight", new long[] {s.qDim()}, Init.ONES));
                    out.add(new Spec(a + "k_norm.weight", new long[] {s.kvDim()}, Init.ONES));
                }
                default -> { }
            }
            out.add(new Spec(p + "post_attention_layernorm.weight", new long[] {h}, Init.ONES));
            String m = p + (mixtral ? "block_sparse_moe." : "mlp.");
            out.add(new Spec(m + "gate.weight", new long[] {s.experts(), h}, Init.RANDOM));                // router (E, H)
            for (int e = 0; e < s.experts(); e++) {
                String x = m + "experts." + e + ".";
                out.add(new Spec(x + (mixtral ? "w1" : "gate_proj") + ".weight", new long[] {inter, h}, Init.RANDOM)); // (I, H)
                out.add(new Spec(x + (mixtral ? "w3" : "up_proj") + ".weight", new long[] {inter, h}, Init.RANDOM));   // (I, H)
                out.add(new Spec(x + (mixtral ? "w2" : "down_proj") + ".weight", new long[] {h, inter}, Init.RANDOM)); // (H, I)
            }
        }
        out.add(new Spec("model.norm.weight", new long[] {h}, Init.ONES));
        out.add(new Spec("lm_head.weight", new long[] {s.vocab(), h}, Init.RANDOM));                      // (V, H)
        return out;
    }
}
