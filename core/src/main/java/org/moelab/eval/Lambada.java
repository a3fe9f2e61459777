package org.moelab.eval;

import org.moelab.Progress;

import java.util.List;

/**
 * LAMBADA last-word accuracy, lm-eval {@code lambada_openai}: the context is the passage up to its last
 * space, the target is {@code " " + last word}; an item is right when every target token is the greedy
 * argmax given the context and the target tokens before it. Also lm-eval's {@code perplexity}: exp of minus
 * the mean (over items) of the summed target log-likelihood.
 */
public final class Lambada {

    /** @param target {@code " " + last word}, as scored */
    public record Item(String context, String target) {
    }

    private Lambada() {
    }

    public static final String TASK = "lambada_openai";

    public static TaskResult evaluate(List<Item> items, LoglikelihoodScorer scorer, int limit, Progress progress) {
        List<Item> use = limit > 0 && limit < items.size() ? items.subList(0, limit) : items;
        double[] acc = new double[use.size()];
        double llSum = 0;
        for (int i = 0; i < use.size(); i++) {
            Loglikelihood r = scorer.loglikelihood(use.get(i).context(), use.get(i).target());
            acc[i] = r.greedy() ? 1 : 0;
            llSum += r.logprob();
            progress.update(TASK, i + 1, use.size());
        }
        double ppl = use.isEmpty() ? Double.NaN : Math.exp(-llSum / use.size());
        return new TaskResult(TASK, use.size(), Stats.mean(acc), Stats.meanStderr(acc), null, null, ppl);
    }
}
