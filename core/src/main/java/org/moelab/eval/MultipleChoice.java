package org.moelab.eval;

import org.moelab.Progress;

import java.util.List;

/**
 * Zero-shot multiple choice, lm-eval {@code multiple_choice} semantics: every choice's continuation
 * log-likelihood is summed; {@code acc} = the first argmax is gold; {@code acc_norm} = the first argmax of
 * loglik / {@link McItem.Choice#normLength()} is gold. (lm-eval divides by {@code len(choice)} in code
 * points; methods.md §7 asks for UTF-8 bytes, which differs only for non-ASCII choices.)
 */
public final class MultipleChoice {

    /** Per-item outcome: the log-likelihoods and both predictions. */
    public record Scored(double[] loglikelihoods, int pred, int predNorm, int gold) {
    }

    private MultipleChoice() {
    }

    public static Scored score(McItem item, LoglikelihoodScorer scorer) {
        int n = item.choices().size();
        double[] ll = new double[n];
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) {
            McItem.Choice c = item.choices().get(i);
            ll[i] = scorer.loglikelihood(c.context(), c.continuation()).logprob();
            norm[i] = ll[i] / Math.max(1, c.normLength());
        }
        return new Scored(ll, Stats.argmax(ll), Stats.argmax(norm), item.gold());
    }

    /** Scores the first {@code limit} items ({@code <= 0}: all). */
    public static TaskResult evaluate(McTask task, LoglikelihoodScorer scorer, int limit, Progress progress) {
        List<McItem> items = task.limited(limit);
        double[] acc = new double[items.size()];
        double[] accNorm = new double[items.size()];
        for (int i = 0; i < items.size(); i++) {
            Scored s = score(items.get(i), scorer);
            acc[i] = s.pred() == s.gold() ? 1 : 0;
            accNorm[i] = s.predNorm() == s.gold() ? 1 : 0;
            progress.update(task.name(), i + 1, items.size());
        }
        return new TaskResult(task.name(), items.size(), Stats.mean(acc), Stats.meanStderr(acc),
                Stats.mean(accNorm), Stats.meanStderr(accNorm), null);
    }
}
