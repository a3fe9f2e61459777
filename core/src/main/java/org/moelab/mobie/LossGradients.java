package org.moelab.mobie;

import org.moelab.Progress;
import org.moelab.model.MoeModel;

/**
 * The gradient GLAS needs (mobie.md §3): of the full-precision model's mean next-token cross-entropy over
 * calibration sequences w.r.t. every routed expert weight, by one forward and one backward pass per
 * sequence (no update). Only the layers asked for are accumulated, and the backward stops at the lowest
 * of them, so memory is bounded by one sequence's activations plus those layers' expert gradients.
 */
public final class LossGradients {

    private LossGradients() {
    }

    /** Gradients of MoE layers {@code from..to−1} of {@code model}. */
    public static ExpertGradients compute(MoeModel model, int[][] sequences, int from, int to, Progress progress) {
        return compute(RefModel.of(model), sequences, from, to, progress);
    }

    static ExpertGradients compute(RefModel m, int[][] sequences, int from, int to, Progress progress) {
        int layers = m.c.layers();
        if (from < 0 || to > layers || from >= to) throw new IllegalArgumentException("layers " + from + ".." + to + " of " + layers);
        boolean[] wanted = new boolean[layers];
        for (int l = from; l < to; l++) wanted[l] = m.layers[l].isMoe();
        ExpertGradients acc = new ExpertGradients(layers, wanted, m.c.experts());
        long n = 0;
        for (int[] s : sequences) n += s.length - 1;
        if (n <= 0) throw new IllegalArgumentException("no predictions in the calibration sequences");
        RefForward fwd = new RefForward(m);
        RefBackward bwd = new RefBackward(fwd);
        double nll = 0;
        for (int i = 0; i < sequences.length; i++) {
            nll += bwd.backward(fwd.forward(sequences[i]), 1.0 / n, from, acc);
            progress.update("glas gradients", i + 1, sequences.length);
        }
        return acc.withLoss(nll / n, n);
    }

    /** The mean next-token cross-entropy of the reference forward over the sequences (finite differences, checks). */
    static double loss(RefModel m, int[][] sequences) {
        RefForward fwd = new RefForward(m);
        double nll = 0;
        long n = 0;
        for (int[] s : sequences) {
            nll += RefForward.nll(fwd.forward(s), m.c.vocabSize());
            n += s.length - 1;
        }
        return nll / n;
    }
}
