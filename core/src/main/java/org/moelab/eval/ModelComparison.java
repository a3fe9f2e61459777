package org.moelab.eval;

import org.moelab.Progress;
import org.moelab.model.ModelConfig;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;

import java.util.Arrays;

/**
 * A candidate model (quantized) against a reference (FP) on the same token stream: expert-shift rate per
 * layer (mobie.md §4) and next-token KL / same-top-token share (methods.md §7 style windows). The stream is
 * cut to {@code maxTokens} and split into non-overlapping windows of {@code window} tokens (a shorter tail
 * is dropped), each run from an empty cache; every position of a window is compared. Each model feeds a
 * window in pieces of its own chunk size, so only {@code max(chunk)} logits rows per model are held.
 *
 * <p><b>Noise floor.</b> The compute team's size ({@code moelab.threads}) is read once when
 * {@code org.moelab.compute.Parallel} loads and cannot change at run time (and every output element is
 * computed by one thread, so it would not change the numbers anyway). {@link #noiseFloor} therefore
 * compares FP with itself under a different batch split: the candidate run feeds the window
 * {@code floorChunk} tokens at a time (default 1, the decode path, whose fused dot products round
 * differently from the prefill path).
 */
public final class ModelComparison {

    /**
     * @param window         tokens per window (≤ both models' positions)
     * @param maxTokens      keep the first N tokens of the stream; ≤ 0 keeps all
     * @param referenceChunk tokens fed per call to the reference
     * @param candidateChunk tokens fed per call to the candidate
     * @param bucketEdges    window-position bucket starts for the KL breakdown
     */
    public record Options(int window, int maxTokens, int referenceChunk, int candidateChunk, int[] bucketEdges) {

        public Options {
            if (window < 1) throw new IllegalArgumentException("window must be positive, got " + window);
            if (referenceChunk < 1 || candidateChunk < 1) throw new IllegalArgumentException("chunk sizes must be positive");
            bucketEdges = bucketEdges.clone();
        }

        /** Both models fed in pieces of {@code min(window, 256)} tokens. */
        public static Options of(int window, int maxTokens) {
            int chunk = Math.min(window, 256);
            return new Options(window, maxTokens, chunk, chunk, NextTokenKl.DEFAULT_EDGES);
        }

        public Options withCandidateChunk(int chunk) {
            return new Options(window, maxTokens, referenceChunk, chunk, bucketEdges);
        }
    }

    /** @param method what was compared with what, in words */
    public record Result(String method, int window, int windows, long tokens, int referenceChunk, int candidateChunk,
                         ExpertShift.Result expertShift, NextTokenKl.Result kl) {
    }

    private ModelComparison() {
    }

    public static Result compare(Transformer reference, Transformer candidate, int[] tokens, Options o, Progress progress) {
        return run(reference, candidate, tokens, o, "reference vs candidate", progress);
    }

    /** FP against itself, the candidate run fed {@code floorChunk} tokens at a time (see the class note). */
    public static Result noiseFloor(Transformer fp, int[] tokens, Options o, int floorChunk, Progress progress) {
        Options f = o.withCandidateChunk(floorChunk);
        String method = "FP vs FP with a different batch split (reference fed " + f.referenceChunk()
                + " tokens per call, candidate " + floorChunk + "); the compute thread count is fixed at JVM start";
        return run(fp, fp, tokens, f, method, progress);
    }

    private static Result run(Transformer ref, Transformer cand, int[] tokens, Options o, String method, Progress progress) {
        ModelConfig a = ref.config();
        ModelConfig b = cand.config();
        if (a.layers() != b.layers() || a.topK() != b.topK() || a.vocabSize() != b.vocabSize()) {
            throw new IllegalArgumentException("models differ in shape: layers " + a.layers() + "/" + b.layers() + ", top-k "
                    + a.topK() + "/" + b.topK() + ", vocab " + a.vocabSize() + "/" + b.vocabSize());
        }
        int window = o.window();
        int maxPos = Math.min(ref.maxPositions(), cand.maxPositions());
        if (window > maxPos) throw new IllegalArgumentException("window " + window + " exceeds the models' " + maxPos + " positions");
        int n = o.maxTokens() > 0 ? Math.min(tokens.length, o.maxTokens()) : tokens.length;
        int windows = n / window;
        if (windows == 0) throw new IllegalArgumentException("the text has " + n + " tokens, fewer than one window of " + window);
        int vocab = a.vocabSize();
        RoutingRecorder recA = new RoutingRecorder(a.layers(), a.topK(), window);
        RoutingRecorder recB = new RoutingRecorder(b.layers(), b.topK(), window);
        InferenceSession sa = ref.newSession();
        InferenceSession sb = cand.newSession();
        sa.setRoutingObserver(recA);
        sb.setRoutingObserver(recB);
        ExpertShift shift = new ExpertShift(a.layers(), a.topK());
        NextTokenKl kl = new NextTokenKl(vocab, window, o.bucketEdges());
        int segment = Math.max(o.referenceChunk(), o.candidateChunk());
        for (int w = 0; w < windows; w++) {
            sa.reset();
            sb.reset();
            recA.reset();
            recB.reset();
            for (int s = 0; s < window; s += segment) {
                int len = Math.min(segment, window - s);
                int[] seg = Arrays.copyOfRange(tokens, w * window + s, w * window + s + len);
                float[] la = feed(sa, seg, o.referenceChunk(), vocab);
                float[] lb = feed(sb, seg, o.candidateChunk(), vocab);
                kl.add(la, 0, lb, 0, len, s);
            }
            shift.add(recA, recB);
            progress.update("compare", w + 1, windows);
        }
        return new Result(method, window, windows, (long) windows * window, o.referenceChunk(), o.candidateChunk(),
                shift.result(), kl.result());
    }

    /** Logits rows of all of {@code seg}, fed {@code chunk} tokens per call. */
    private static float[] feed(InferenceSession s, int[] seg, int chunk, int vocab) {
        if (chunk >= seg.length) return s.feedAll(seg);
        float[] out = new float[seg.length * vocab];
        for (int i = 0; i < seg.length; i += chunk) {
            int len = Math.min(chunk, seg.length - i);
            float[] l = s.feedAll(Arrays.copyOfRange(seg, i, i + len));
            System.arraycopy(l, 0, out, i * vocab, len * vocab);
        }
        return out;
    }
}
