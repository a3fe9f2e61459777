package org.moelab.bench;

import org.moelab.model.AttentionWeights;
import org.moelab.model.ExpertWeights;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Generator;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.SamplingOptions;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.Tensor;

import java.util.Set;
import java.util.SplittableRandom;

/**
 * Single-stream decode and prefill speed of a model against its memory roofline: tokens/s can be at
 * most bandwidth ÷ bytes of weights (and KV cache) touched per token.
 */
public final class DecodeBenchmark {

    public record Result(double decodeTokensPerSecond, double prefillTokensPerSecond, double bytesPerToken,
                         StreamBandwidth.Result bandwidth, int promptTokens, int decodeTokens, int runs) {

        public double rooflineTokensPerSecond() {
            return bandwidth.bytesPerSecond() / bytesPerToken;
        }

        public double ratio() {
            return decodeTokensPerSecond / rooflineTokensPerSecond();
        }
    }

    private DecodeBenchmark() {
    }

    public static Result run(MoeModel model, int promptTokens, int decodeTokens, int runs, StreamBandwidth.Result bw) {
        double meanContext = promptTokens + decodeTokens / 2.0;
        Speed s = speed(new Transformer(model), promptTokens, decodeTokens, runs);
        return new Result(s.decode(), s.prefill(), bytesPerToken(model, null, meanContext), bw, promptTokens, decodeTokens, runs);
    }

    /** Least warm-up per {@link #speed} call (at least three generations in any case). */
    static final long WARM_UP_NANOS = 1_000_000_000L;

    /** Best-of-runs decode and prefill tokens/s. */
    public record Speed(double decode, double prefill) {
    }

    /** Decode and prefill speed of any transformer (FP or quantized blocks), after a JIT warm-up. */
    public static Speed speed(Transformer t, int promptTokens, int decodeTokens, int runs) {
        int vocab = t.config().vocabSize();
        int[] prompt = new SplittableRandom(7).ints(promptTokens, 0, vocab).toArray();
        Generator gen = new Generator(t);
        // Warm-up: lets the JIT compile the kernels before anything is timed. By time as well as by count: three
        // generations of a few tokens of a small model take milliseconds, and a run measured right after them timed
        // the interpreter (32-token runs on the teaching model: FP 599-1160 tokens/s instead of ~3300).
        long until = System.nanoTime() + WARM_UP_NANOS;
        for (int i = 0; i < 3 || System.nanoTime() < until; i++) gen.generate(prompt, decodeTokens, SamplingOptions.greedy(), Set.of(), null);
        double decode = 0;
        double prefill = 0;
        for (int r = 0; r < runs; r++) {
            Generator.Result res = gen.generate(prompt, decodeTokens, SamplingOptions.greedy(), Set.of(), null);
            decode = Math.max(decode, res.decodeTokensPerSecond());
            InferenceSession s = t.newSession();
            long t0 = System.nanoTime();
            s.feed(prompt);
            prefill = Math.max(prefill, promptTokens / ((System.nanoTime() - t0) / 1e9));
        }
        return new Speed(decode, prefill);
    }

    /**
     * Bytes one decode step must read: one embedding row, every layer's attention and router weights,
     * K routed experts (+ shared), the lm_head, and the KV cache (float) at the given context length.
     */
    public static double bytesPerToken(MoeModel model, java.util.List<? extends org.moelab.runtime.MoeLayer> blocks, double context) {
        ModelConfig c = model.config();
        double bytes = model.embedding().data().byteSize() / (double) c.vocabSize();
        for (int li = 0; li < model.layers().size(); li++) {
            LayerWeights l = model.layers().get(li);
            AttentionWeights a = l.attention();
            bytes += size(a.q()) + size(a.k()) + size(a.v()) + size(a.o());
            bytes += size(l.inputNorm()) + size(l.postAttentionNorm());
            bytes += 2.0 * 4 * c.kvDim() * context;
            if (l.isMoe()) {
                bytes += size(l.moe().router());
                if (blocks != null && blocks.get(li) instanceof org.moelab.bitsmoe.execution.FactorizedMoeLayer f) {
                    bytes += f.bytesPerToken(l.moe().topK());
                    continue;
                }
                double perExpert = 0;
                for (ExpertWeights e : l.moe().experts()) perExpert += size(e.gate()) + size(e.up()) + size(e.down());
                bytes += perExpert / l.moe().expertCount() * l.moe().topK();
                if (l.moe().shared() != null) {
                    ExpertWeights s = l.moe().shared();
                    bytes += size(s.gate()) + size(s.up()) + size(s.down());
                }
            } else {
                bytes += size(l.dense().gate()) + size(l.dense().up()) + size(l.dense().down());
            }
        }
        return bytes + size(model.finalNorm()) + size(model.lmHead());
    }

    private static double size(Tensor t) {
        return t == null ? 0 : t.data().byteSize();
    }
}
