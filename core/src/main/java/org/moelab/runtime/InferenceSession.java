package org.moelab.runtime;

import java.util.Arrays;

/**
 * One sequence being processed: its KV cache and position. Feed prompt tokens in one batch (prefill),
 * then one token at a time (decode). Not thread-safe; one per sequence.
 */
public final class InferenceSession {

    private final Transformer transformer;
    private final KvCache cache;
    private int position;
    private RoutingObserver observer;

    InferenceSession(Transformer transformer, int capacity) {
        this.transformer = transformer;
        this.cache = new KvCache(transformer.config().layers(), capacity, transformer.config().kvDim());
    }

    public int position() {
        return position;
    }

    public int capacity() {
        return cache.capacity();
    }

    public void setRoutingObserver(RoutingObserver observer) {
        this.observer = observer;
    }

    /** Appends tokens; returns the logits (vocab) after the last one. */
    public float[] feed(int... tokens) {
        return run(tokens, false);
    }

    /** Appends tokens; returns the logits after each of them, (T, vocab) row-major. */
    public float[] feedAll(int... tokens) {
        return run(tokens, true);
    }

    private float[] run(int[] tokens, boolean all) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to feed");
        if (position + tokens.length > cache.capacity()) {
            throw new IllegalStateException("context full: " + position + " + " + tokens.length
                    + " tokens exceed the model's " + cache.capacity() + " positions");
        }
        float[] logits = transformer.forward(cache, Arrays.copyOf(tokens, tokens.length), position, all, observer);
        position += tokens.length;
        return logits;
    }

    /** Forgets the sequence; the cache is reused. */
    public void reset() {
        position = 0;
    }
}
