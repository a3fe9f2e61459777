package org.moelab.bench;

import org.moelab.bitsmoe.execution.FactorizedMoeLayer;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;
import org.moelab.runtime.MoeLayer;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The MoE blocks alone, one token at a time (decode): route, K experts (FP) or the factorized path
 * (BitsMoE: bases once + K experts' components), summed over the layers given. Inputs are random hidden
 * states of unit RMS (what the block sees after its RMSNorm), a fresh one per call so routing varies as in
 * decode; the same inputs for every variant. Bytes per token count what one call must read.
 *
 * <p>Caches as in decode: there, each MoE block runs after the rest of the step (attention, norms, lm_head)
 * has read its own weights, which evicts what the previous token's blocks left in the caches. Timing the
 * blocks back to back instead lets a block's shared bases (25 MB per layer at the Qwen3-30B-A3B shape) stay
 * in the last-level cache across tokens, which flatters BitsMoE (its bases are read by every token; FP's
 * experts change with the routing). So before each block {@link #run} reads
 * {@link #evictionBytes} (the rest of a decode step's bytes per MoE layer, capped at {@link #MAX_EVICT_BYTES})
 * and times the block calls alone.
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

    /** Most bytes read between two blocks: far above any last-level cache this runs on. */
    public static final long MAX_EVICT_BYTES = 256L << 20;

    private static volatile float sink;

    private MoeBlockBenchmark() {
    }

    /**
     * The bytes a decode step of {@code model} reads besides its MoE blocks (router and experts), per MoE layer,
     * capped at {@link #MAX_EVICT_BYTES}: what runs between two MoE blocks in decode.
     */
    public static long evictionBytes(MoeModel model, double context) {
        double other = DecodeBenchmark.bytesPerToken(model, null, context);
        int moe = 0;
        for (var l : model.layers()) {
            if (!l.isMoe()) continue;
            other -= bytesPerToken(null, l.moe()); // null block: the FP block's bytes (router + K experts + shared)
            moe++;
        }
        return (long) Math.min(MAX_EVICT_BYTES, Math.max(0, other / Math.max(1, moe)));
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
     * passes after a warm-up (two passes and at least a second), best pass reported. Before each block call it reads {@code evictBytes}
     * of an unrelated buffer (untimed; 0 = blocks back to back, warm caches). {@code sources} gives each
     * layer's FP weights (router, experts) for the byte count.
     */
    public static Result run(List<? extends MoeLayer> blocks, List<MoeWeights> sources, float[][] xs, int rounds, long evictBytes) {
        int hidden = xs[0].length;
        float[] y = new float[hidden];
        float[] evict = new float[(int) (Math.min(Math.max(0, evictBytes), MAX_EVICT_BYTES) / Float.BYTES)];
        java.util.Arrays.fill(evict, 1f);
        // warm-up: at least two passes and DecodeBenchmark.WARM_UP_NANOS, so the JIT has compiled the blocks (two
        // passes of 32 tokens timed FP's teaching-model blocks at 457 µs per token instead of ~90)
        long warmUntil = System.nanoTime() + DecodeBenchmark.WARM_UP_NANOS;
        for (int w = 0; w < 2 || System.nanoTime() < warmUntil; w++) pass(blocks, xs, y, evict);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) best = Math.min(best, pass(blocks, xs, y, evict));
        double bytes = 0;
        for (int l = 0; l < blocks.size(); l++) {
            if (blocks.get(l) != null) bytes += bytesPerToken(blocks.get(l), sources.get(l));
        }
        return new Result(best, bytes);
    }

    /** One pass over xs: seconds per token in the block calls alone (each after reading {@code evict}). */
    private static double pass(List<? extends MoeLayer> blocks, float[][] xs, float[] y, float[] evict) {
        long nanos = 0;
        for (float[] x : xs) {
            for (int l = 0; l < blocks.size(); l++) {
                if (blocks.get(l) == null) continue;
                if (evict.length > 0) touch(evict);
                long t0 = System.nanoTime();
                blocks.get(l).forward(x, 1, y, l, null);
                nanos += System.nanoTime() - t0;
            }
        }
        return nanos / 1e9 / xs.length;
    }

    /** Reads one float per 64-byte line of {@code buf}, so the lines displace what the caches held. */
    private static void touch(float[] buf) {
        float s = 0;
        for (int i = 0; i < buf.length; i += 16) s += buf[i];
        sink = s;
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
