package org.moelab.eval;

/** Scores a continuation after a context; the seam between the task logic and a model (tests use stubs). */
@FunctionalInterface
public interface LoglikelihoodScorer {

    Loglikelihood loglikelihood(String context, String continuation);
}
