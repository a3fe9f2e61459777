package org.moelab.eval;

/**
 * The answer to one lm-eval {@code loglikelihood} request.
 *
 * @param logprob summed natural-log probability of the continuation tokens given the context
 * @param greedy  every continuation token is the argmax of its next-token distribution
 * @param tokens  number of continuation tokens scored
 */
public record Loglikelihood(double logprob, boolean greedy, int tokens) {
}
