package org.moelab.eval;

import org.moelab.Progress;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

import java.util.Arrays;

/**
 * Perplexity by the protocol of methods.md §7: the text is tokenized once, the first {@code maxTokens}
 * kept, split into non-overlapping windows of {@code window} tokens (a shorter tail is dropped, as in
 * llama.cpp), each window run from an empty cache, and the mean NLL taken over the window−1
 * predictions of every window. {@code ppl = exp(mean NLL)}.
 */
public final class Perplexity {

    /** @param predicted number of predicted tokens; {@code droppedTail} tokens after the last full window */
    public record Result(double ppl, double meanNll, long predicted, int window, int windows, int droppedTail) {
    }

    private Perplexity() {
    }

    public static Result compute(Transformer model, int[] tokens, int window, int maxTokens, Progress progress) {
        if (window < 2) throw new IllegalArgumentException("window must be at least 2 tokens, got " + window);
        if (window > model.maxPositions()) {
            throw new IllegalArgumentException("window " + window + " exceeds the model's " + model.maxPositions() + " positions");
        }
        int n = maxTokens > 0 ? Math.min(tokens.length, maxTokens) : tokens.length;
        int windows = n / window;
        if (windows == 0) {
            throw new IllegalArgumentException("the text has " + n + " tokens, fewer than one window of " + window);
        }
        int vocab = model.config().vocabSize();
        double nll = 0;
        InferenceSession session = model.newSession();
        for (int w = 0; w < windows; w++) {
            int[] chunk = Arrays.copyOfRange(tokens, w * window, (w + 1) * window);
            session.reset();
            float[] logits = session.feedAll(Arrays.copyOf(chunk, window - 1));
            for (int i = 0; i < window - 1; i++) nll += negLogLikelihood(logits, i * vocab, vocab, chunk[i + 1]);
            progress.update("perplexity", w + 1, windows);
        }
        long predicted = (long) windows * (window - 1);
        double mean = nll / predicted;
        return new Result(Math.exp(mean), mean, predicted, window, windows, n - windows * window);
    }

    /** {@code logsumexp(logits) − logits[target]}, in double. */
    public static double negLogLikelihood(float[] logits, int off, int vocab, int target) {
        return logSumExp(logits, off, vocab) - logits[off + target];
    }

    /** {@code log Σ exp(logits)} over one row, in double with the max subtracted. */
    public static double logSumExp(float[] logits, int off, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) max = Math.max(max, logits[off + v]);
        double sum = 0;
        for (int v = 0; v < vocab; v++) sum += Math.exp(logits[off + v] - max);
        return max + Math.log(sum);
    }
}
