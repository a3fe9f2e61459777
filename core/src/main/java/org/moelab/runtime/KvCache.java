package org.moelab.runtime;

/**
 * Keys and values of every layer for positions [0, capacity): keys transposed per layer
 * {@code (kvHeads·D, capacity)}, values {@code (capacity, kvHeads·D)} (see {@link Attention}).
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int kvDim;

    public KvCache(int layers, int capacity, int kvDim) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        keys = new float[layers][(int) Math.min(Integer.MAX_VALUE - 8, (long) capacity * kvDim)];
        values = new float[layers][keys[0].length];
    }

    public int capacity() {
        return capacity;
    }

    public int kvDim() {
        return kvDim;
    }
}
