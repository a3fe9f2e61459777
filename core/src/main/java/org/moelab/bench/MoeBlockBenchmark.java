package org.moelab.bench;

import org.moelab.bitsmoe.execution.FactorizedMoeLayer;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeWeights;
import org.moelab.runtime.MoeLayer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The MoE blocks alone, one token at a time (decode): route, K experts (FP) or the factorized path
 * (BitsMoE: bases once + K experts' components), summed over the layers given. Inputs are random hidden
 * states of unit RMS (what the block sees after its RMSNorm), a fresh one per call so routing varies as in
 * decode; the same inputs for every variant. Bytes per token count what one call must read.
 */
public final class MoeBlockBenchmark {

    /** Best-of-rounds time of the blocks per token, and the bytes they read per token. */
    public record Result(double secondsPerToken, double bytesPerToken) {

        public double rooflineSecondsPerToken(StreamBandwidth.Result bw) {
            return bytesPerToken / bw.bytesPerSecond();
        }

        /** Achieved fraction of the bandwidth roofline. */
        public double ratio(StreamBandwidth.Result bw) {
            return rooflineSecondsPerToken(bw) / secondsPerToken;
        }
    }

    private MoeBlockBenchmark() {
    }

    /** Unit-RMS random inputs (tokens, H). */
    public static float[][] inputs(int tokens, int hidden, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] xs = new float[tokens][hidden];
        for (float[] x : xs) for (int i = 0; i < hidden; i++) x[i] = (float) r.nextGaussian();
        return xs;
    }

    /**
     * Times {@code blocks} (layer index → block, null entries skipped) over {@code xs}: {@code rounds} timed
     * passes after two warm-up passes, best pass reported. {@code sources} gives each layer's FP weights (router,
     * experts) for the byte count.
     */
    public static Result run(List<? extends MoeLayer> blocks, List<MoeWeights> sources, float[][] xs, int rounds) {
        int hidden = xs[0].length;
        float[] y = new float[hidden];
        double best = Double.MAX_VALUE;
        for (int r = -2; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (float[] x : xs) {
                for (int l = 0; l < blocks.size(); l++) {
                    if (blocks.get(l) != null) blocks.get(l).forward(x, 1, y, l, null);
                }
            }
            double s = (System.nanoTime() - t0) / 1e9 / xs.length;
            if (r >= 0) best = Math.min(best, s);
        }
        double bytes = 0;
        for (int l = 0; l < blocks.size(); l++) {
            if (blocks.get(l) != null) bytes += bytesPerToken(blocks.get(l), sources.get(l));
        }
        return new Result(best, bytes);
    }

    /** Router + K experts of the layer's mean size (+ shared expert), or the factorized block's own count. */
    public static double bytesPerToken(MoeLayer block, MoeWeights w) {
        double bytes = w.router().data().byteSize();
        if (block instanceof FactorizedMoeLayer f) return bytes + f.bytesPerToken(w.topK());
        double all = 0;
        for (ExpertWeights e : w.experts()) all += e.gate().data().byteSize() + e.up().data().byteSize() + e.down().data().byteSize();
        bytes += all / w.expertCount() * w.topK();
        if (w.shared() != null) {
            bytes += w.shared().gate().data().byteSize() + w.shared().up().data().byteSize() + w.shared().down().data().byteSize();
        }
        return bytes;
    }
}
