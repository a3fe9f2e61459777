package org.moelab.eval;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One task's metrics. {@code accNorm} is null where the task has none (LAMBADA); {@code ppl} is set only
 * for LAMBADA (lm-eval's {@code perplexity}: exp of minus the mean per-item target log-likelihood).
 * Stderrs are lm-eval's {@code mean_stderr} (null for fewer than 2 items).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskResult(String task, int items, double acc, Double accStderr, Double accNorm, Double accNormStderr,
                         Double ppl) {
}
