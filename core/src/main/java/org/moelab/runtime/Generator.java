package org.moelab.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Prompt prefill in one batch, then token-by-token decode until EOS, the token limit or the end of the
 * context. Each new token goes to the listener as soon as it is chosen (streaming).
 */
public final class Generator {

    /** Receives each generated token; return false to stop early. */
    @FunctionalInterface
    public interface TokenListener {
        boolean onToken(int token);
    }

    /** What happened: the new tokens, why it stopped, and timings. */
    public record Result(int[] tokens, StopReason stop, long prefillNanos, long decodeNanos, int promptTokens) {

        public double decodeTokensPerSecond() {
            return tokens.length <= 1 || decodeNanos == 0 ? 0 : (tokens.length - 1) / (decodeNanos / 1e9);
        }

        public double prefillTokensPerSecond() {
            return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
        }
    }

    public enum StopReason { EOS, MAX_TOKENS, CONTEXT_FULL, LISTENER }

    private final Transformer transformer;

    public Generator(Transformer transformer) {
        this.transformer = transformer;
    }

    public Result generate(int[] prompt, int maxNew, SamplingOptions sampling, Set<Integer> eos, TokenListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (maxNew < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNew);
        InferenceSession session = transformer.newSession();
        if (prompt.length >= session.capacity()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the context of "
                    + session.capacity() + " positions");
        }
        Sampler sampler = new Sampler(sampling);
        List<Integer> out = new ArrayList<>();
        long t0 = System.nanoTime();
        float[] logits = session.feed(prompt);
        long t1 = System.nanoTime();
        StopReason stop = StopReason.MAX_TOKENS;
        while (out.size() < maxNew) {
            int next = sampler.next(logits);
            out.add(next);
            if (listener != null && !listener.onToken(next)) {
                stop = StopReason.LISTENER;
                break;
            }
            if (eos.contains(next)) {
                stop = StopReason.EOS;
                break;
            }
            if (out.size() == maxNew) break;
            if (session.position() >= session.capacity()) {
                stop = StopReason.CONTEXT_FULL;
                break;
            }
            logits = session.feed(next);
        }
        long t2 = System.nanoTime();
        return new Result(out.stream().mapToInt(Integer::intValue).toArray(), stop, t1 - t0, t2 - t1, prompt.length);
    }
}
