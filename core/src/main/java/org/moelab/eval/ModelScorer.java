package org.moelab.eval;

import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.util.Arrays;
import java.util.function.Function;

/**
 * lm-evaluation-harness's {@code loglikelihood} on a {@link Transformer}, following HFLM:
 * <ul>
 * <li>trailing whitespace of the context moves to the front of the continuation;</li>
 * <li>{@code whole = encode(context + continuation)}, {@code ctx = encode(context)}, and the continuation
 *     tokens are {@code whole[len(ctx):]} (so a merge across the boundary stays with the continuation);</li>
 * <li>an empty context becomes the prefix token (BOS, else EOS);</li>
 * <li>{@code ctx + cont} is cut to its last {@code maxPositions + 1} tokens and the last is not fed.</li>
 * </ul>
 * No special tokens are added. Each request runs from an empty cache; the context (all but the positions
 * whose logits are needed) is fed first, so only {@code len(cont)} logits rows are ever materialised.
 * One-token continuations after the same context (MMLU's " A".." D", BoolQ's " no"/" yes") reuse the
 * previous request's logits row, which is the same computation. Not thread-safe (one session).
 */
public final class ModelScorer implements LoglikelihoodScorer {

    private final Transformer model;
    private final MoeTokenizer tokenizer;
    private final InferenceSession session;
    private final int prefixToken;
    private final int vocab;
    /** The context of the last one-token continuation and its next-token logits (MMLU, BoolQ: same context, one token each). */
    private int[] cachedContext;
    private float[] cachedRow;

    public ModelScorer(Transformer model, MoeTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.session = model.newSession();
        this.vocab = model.config().vocabSize();
        int bos = model.config().bosTokenId();
        this.prefixToken = bos >= 0 ? bos
                : model.config().eosTokenIds().stream().mapToInt(Integer::intValue).min().orElse(0);
    }

    @Override
    public Loglikelihood loglikelihood(String context, String continuation) {
        int[][] pair = encodePair(tokenizer::encode, context, continuation, prefixToken);
        return score(pair[0], pair[1]);
    }

    /** {@code {contextTokens, continuationTokens}} exactly as lm-eval's {@code HFLM._encode_pair} builds them. */
    public static int[][] encodePair(Function<String, int[]> encode, String context, String continuation, int prefixToken) {
        if (context.isEmpty()) return new int[][] {{prefixToken}, encode.apply(continuation)};
        String trimmed = context.stripTrailing();
        int spaces = context.length() - trimmed.length();
        if (spaces > 0) {
            continuation = context.substring(trimmed.length()) + continuation;
            context = trimmed;
        }
        int[] whole = encode.apply(context + continuation);
        int[] ctx = encode.apply(context);
        int[] cont = Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length);
        return new int[][] {ctx, cont};
    }

    /** Summed log-probability of {@code cont} after {@code ctx}, and whether every token is the greedy argmax. */
    public Loglikelihood score(int[] ctx, int[] cont) {
        if (cont.length == 0) return new Loglikelihood(0, true, 0);
        int max = model.maxPositions();
        if (cont.length > max) {
            throw new IllegalArgumentException("continuation of " + cont.length + " tokens exceeds the model's " + max + " positions");
        }
        int[] all = new int[ctx.length + cont.length];
        System.arraycopy(ctx, 0, all, 0, ctx.length);
        System.arraycopy(cont, 0, all, ctx.length, cont.length);
        if (all.length > max + 1) all = Arrays.copyOfRange(all, all.length - (max + 1), all.length);
        int inputLen = all.length - 1;
        int first = inputLen - cont.length; // input position whose logits predict cont[0]
        boolean cacheable = cont.length == 1 && all.length == ctx.length + 1;
        float[] logits;
        if (cacheable && Arrays.equals(ctx, cachedContext)) {
            logits = cachedRow;
        } else {
            session.reset();
            if (first > 0) session.feed(Arrays.copyOf(all, first));
            logits = session.feedAll(Arrays.copyOfRange(all, first, inputLen));
            if (cacheable) {
                cachedContext = ctx.clone();
                cachedRow = logits;
            }
        }
        double sum = 0;
        boolean greedy = true;
        for (int j = 0; j < cont.length; j++) {
            sum -= Perplexity.negLogLikelihood(logits, j * vocab, vocab, cont[j]);
            if (Stats.argmax(logits, j * vocab, vocab) != cont[j]) greedy = false;
        }
        return new Loglikelihood(sum, greedy, cont.length);
    }
}
