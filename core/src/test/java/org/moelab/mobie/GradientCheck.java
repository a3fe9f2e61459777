package org.moelab.mobie;

import org.moelab.Progress;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Checks of the reference forward/backward shared by the teaching-model and fixture tests. */
final class GradientCheck {

    /** @param worst the largest relative error over the sampled weights; {@code report} one line per weight */
    record Result(double worst, int checked, List<String> report) {
    }

    private GradientCheck() {
    }

    static int[][] sequences(int vocab, int count, int length, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] s = new int[count][length];
        for (int[] q : s) for (int i = 0; i < length; i++) q[i] = rnd.nextInt(vocab - 1);
        return s;
    }

    /** max |Δlogit| of the double reference against the runtime, relative to the largest |logit|. */
    static double forwardGap(MoeModel model, RefModel ref, int[] tokens) {
        RefForward.Pass p = new RefForward(ref).forward(tokens);
        InferenceSession s = new Transformer(model).newSession();
        float[] logits = s.feedAll(tokens);
        double max = 0, scale = 0;
        for (int i = 0; i < logits.length; i++) {
            max = Math.max(max, Math.abs(logits[i] - p.logits[i]));
            scale = Math.max(scale, Math.abs(p.logits[i]));
        }
        return max / scale;
    }

    /**
     * Per MoE layer and projection, the weight with the largest |g| among 200 random entries of a random routed
     * expert: its analytic gradient against a central finite difference of the loss.
     */
    static Result expertGradients(RefModel ref, int[][] seqs, long seed) {
        int layers = ref.c.layers();
        ExpertGradients g = LossGradients.compute(ref, seqs, 0, layers, Progress.NONE);
        SplittableRandom rnd = new SplittableRandom(seed);
        double worst = 0;
        int checked = 0;
        List<String> report = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            if (!ref.layers[l].isMoe()) continue;
            for (int proj = 0; proj < 3; proj++) {
                int e;
                do e = rnd.nextInt(ref.c.experts()); while (g.get(l, e, proj) == null);
                double[] ge = g.get(l, e, proj);
                int best = -1;
                for (int k = 0; k < 200; k++) {
                    int i = rnd.nextInt(ge.length);
                    if (best < 0 || Math.abs(ge[i]) > Math.abs(ge[best])) best = i;
                }
                double fd = finiteDifference(ref, l, e, proj, best, seqs);
                double rel = Math.abs(fd - ge[best]) / Math.max(Math.abs(fd), Math.abs(ge[best]));
                report.add(String.format("L%d e%d p%d: analytic %.6e fd %.6e rel %.1e", l, e, proj, ge[best], fd, rel));
                worst = Math.max(worst, rel);
                checked++;
            }
        }
        return new Result(worst, checked, report);
    }

    static double finiteDifference(RefModel ref, int l, int e, int proj, int index, int[][] seqs) {
        RefModel.Ffn w = ref.layers[l].experts()[e];
        double[] arr = proj == 0 ? w.gate() : proj == 1 ? w.up() : w.down();
        double orig = arr[index];
        double eps = 1e-4 * Math.max(1e-2, Math.abs(orig));
        try {
            arr[index] = orig + eps;
            double plus = LossGradients.loss(ref, seqs);
            arr[index] = orig - eps;
            double minus = LossGradients.loss(ref, seqs);
            return (plus - minus) / (2 * eps);
        } finally {
            arr[index] = orig;
        }
    }
}
