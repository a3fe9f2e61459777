package org.moelab.backend.text;

import org.moelab.eval.Perplexity;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Sampler;
import org.moelab.runtime.SamplingOptions;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;
import org.moelab.tokenizer.StreamingDecoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Prompt scoring and generation with per-token log-probabilities, stop strings and streaming: what
 * /generate, /v1/completions and /v1/compare share. Log-probabilities are of the model's own distribution
 * (temperature 1), whatever the sampling temperature.
 */
public final class TextEngine {

    /** Prompt positions fed per call when every position's logits are needed (bounds the (T, vocab) logits block). */
    static final int SCORE_CHUNK = 256;

    /** A candidate token at one position: id and log-probability. */
    public record Top(int token, double logprob) {
    }

    /** One generated token. */
    public record Step(int token, double logprob, List<Top> top) {
    }

    /** Receives text as it becomes final; return false to stop (the client went away). */
    @FunctionalInterface
    public interface TextSink {
        boolean accept(int index, int token, String text);
    }

    /**
     * @param promptLogprobs (T) log p(prompt[i] | prompt[0..i)); [0] is NaN (nothing to condition on); null unless scored
     * @param promptTop      top-k at each prompt position (null entry at 0); null unless scored
     * @param text           the generated text, cut before a stop string
     * @param stop           eos, stop, length, context_full, client_gone
     */
    public record Generation(int[] prompt, double[] promptLogprobs, List<List<Top>> promptTop, List<Step> steps, String text,
                             String stop, long prefillNanos, long decodeNanos) {

        public int[] tokens() {
            return steps.stream().mapToInt(Step::token).toArray();
        }
    }

    private TextEngine() {
    }

    /**
     * Generates up to {@code maxNew} tokens after {@code prompt}. EOS ends generation and is not part of the
     * output. With {@code scorePrompt} every prompt token is scored too (the completions API's echo).
     */
    public static Generation generate(Transformer t, MoeTokenizer tok, int[] prompt, int maxNew, SamplingOptions sampling,
                                      Set<Integer> eos, List<String> stops, int topK, boolean scorePrompt, TextSink sink) {
        InferenceSession session = t.newSession();
        if (prompt.length >= session.capacity() && maxNew > 0 || prompt.length > session.capacity()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model's context is "
                    + session.capacity() + " positions" + (maxNew > 0 ? " and generation needs at least one more" : ""));
        }
        int vocab = t.config().vocabSize();
        long t0 = System.nanoTime();
        double[] promptLp = null;
        List<List<Top>> promptTop = null;
        float[] logits;
        if (scorePrompt) {
            promptLp = new double[prompt.length];
            promptLp[0] = Double.NaN;
            promptTop = new ArrayList<>();
            promptTop.add(null);
            logits = scoreInto(session, prompt, vocab, topK, promptLp, promptTop);
        } else {
            logits = session.feed(prompt);
        }
        long t1 = System.nanoTime();
        Sampler sampler = new Sampler(sampling);
        StreamingDecoder decoder = tok.streamingDecoder();
        StringBuilder text = new StringBuilder();
        int emitted = 0;
        int maxStop = stops.stream().mapToInt(String::length).max().orElse(0);
        List<Step> steps = new ArrayList<>();
        String stop = "length";
        while (steps.size() < maxNew) {
            int next = sampler.next(logits);
            if (eos.contains(next)) {
                stop = "eos";
                break;
            }
            double lse = Perplexity.logSumExp(logits, 0, vocab);
            steps.add(new Step(next, logits[next] - lse, topK > 0 ? top(logits, 0, vocab, topK, lse) : List.of()));
            text.append(decoder.accept(next));
            int cut = firstStop(text, stops, Math.max(0, emitted - maxStop));
            int safe = cut >= 0 ? cut : text.length() - heldBack(text, stops);
            if (safe > emitted) {
                if (sink != null && !sink.accept(steps.size() - 1, next, text.substring(emitted, safe))) {
                    stop = "client_gone";
                    emitted = safe;
                    break;
                }
                emitted = safe;
            }
            if (cut >= 0) {
                text.setLength(cut);
                stop = "stop";
                break;
            }
            if (steps.size() == maxNew) break;
            if (session.position() >= session.capacity()) {
                stop = "context_full";
                break;
            }
            logits = session.feed(next);
        }
        if (!stop.equals("stop") && !stop.equals("client_gone")) {
            text.append(decoder.finish());
            if (text.length() > emitted && sink != null) sink.accept(steps.size() - 1, -1, text.substring(emitted));
        }
        return new Generation(prompt, promptLp, promptTop, steps, text.toString(), stop, t1 - t0, System.nanoTime() - t1);
    }

    /** log p(ids[i] | ids[0..i)) for i ≥ 1 ([0] is NaN), fed in chunks so only SCORE_CHUNK logits rows are held. */
    public static double[] score(Transformer t, int[] ids) {
        InferenceSession session = t.newSession();
        if (ids.length > session.capacity()) {
            throw new IllegalArgumentException("the text has " + ids.length + " tokens; the model's context is " + session.capacity());
        }
        double[] lp = new double[ids.length];
        lp[0] = Double.NaN;
        scoreInto(session, ids, t.config().vocabSize(), 0, lp, null);
        return lp;
    }

    /** Feeds all of {@code ids}, filling lp[1..]; returns the logits after the last token. */
    private static float[] scoreInto(InferenceSession session, int[] ids, int vocab, int topK, double[] lp, List<List<Top>> tops) {
        float[] last = null;
        for (int start = 0; start < ids.length; start += SCORE_CHUNK) {
            int end = Math.min(ids.length, start + SCORE_CHUNK);
            float[] rows = session.feedAll(Arrays.copyOfRange(ids, start, end));
            for (int i = start; i < end; i++) {
                int off = (i - start) * vocab;
                if (i + 1 < ids.length) {
                    double lse = Perplexity.logSumExp(rows, off, vocab);
                    lp[i + 1] = rows[off + ids[i + 1]] - lse;
                    if (tops != null) tops.add(topK > 0 ? top(rows, off, vocab, topK, lse) : List.of());
                }
            }
            last = Arrays.copyOfRange(rows, (end - start - 1) * vocab, (end - start) * vocab);
        }
        return last;
    }

    /** The k most likely tokens at one position, most likely first. */
    static List<Top> top(float[] logits, int off, int vocab, int k, double lse) {
        int n = Math.min(k, vocab);
        int[] best = new int[n];
        Arrays.fill(best, -1);
        for (int v = 0; v < vocab; v++) {
            float x = logits[off + v];
            if (best[n - 1] >= 0 && x <= logits[off + best[n - 1]]) continue;
            int i = n - 1;
            while (i > 0 && (best[i - 1] < 0 || x > logits[off + best[i - 1]])) {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = v;
        }
        List<Top> out = new ArrayList<>(n);
        for (int b : best) out.add(new Top(b, logits[off + b] - lse));
        return out;
    }

    /** Index of the earliest stop string in {@code text} at or after {@code from}, or -1. */
    static int firstStop(CharSequence text, List<String> stops, int from) {
        int best = -1;
        String s = text.toString();
        for (String stop : stops) {
            int i = s.indexOf(stop, from);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /** Length of the longest end of {@code text} that could still grow into a stop string (held back from the stream). */
    static int heldBack(CharSequence text, List<String> stops) {
        int held = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > held; k--) {
                if (text.subSequence(text.length() - k, text.length()).toString().equals(stop.substring(0, k))) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }
}
