package org.moelab.bitsmoe.execution;

import org.moelab.compute.Parallel;
import org.moelab.quant.PackedLayout;

/**
 * An INT8 shared basis B (r, H) at run time ({@link SharedBasis} draws the bytes), on {@code Packed8Bit}'s
 * many-vector kernels. Projection h = B x: each row k is one dot product, rows split over threads, each
 * h[k] written by one thread (thread count does not change the result). Expansion y = Bᵀ acc: the r rows
 * are cut into {@link #BLOCKS} fixed blocks; block c sums acc[k]·row_k over its rows into its own partial
 * y (threads share out the blocks), and the partials are added in block order, so the summation order is
 * fixed whatever the thread count.
 */
final class Int8BasisOp implements BasisOp {

    /** Bytes after the codes so the 8-byte reads of the fast kernels stay in the array. */
    static final int PAD = 8;
    static final int BLOCKS = 8;
    private static final PackedLayout Q8 = PackedLayout.forBits(8);

    private final boolean project;
    private final int rank;
    private final int hidden;
    private final byte[] codes;   // (r, H) + PAD
    private final short[] scales; // (r, ⌈H/g⌉)
    private final int ns;
    private final ThreadLocal<float[]> partials;

    private Int8BasisOp(boolean project, int rank, int hidden, byte[] codes, short[] scales) {
        this.project = project;
        this.rank = rank;
        this.hidden = hidden;
        this.codes = codes;
        this.scales = scales;
        this.ns = SharedBasis.groups(hidden);
        this.partials = ThreadLocal.withInitial(() -> new float[BLOCKS * hidden]);
    }

    static Int8BasisOp project(int rank, int hidden, byte[] codes, short[] scales) {
        return new Int8BasisOp(true, rank, hidden, codes, scales);
    }

    static Int8BasisOp expand(int rank, int hidden, byte[] codes, short[] scales) {
        return new Int8BasisOp(false, rank, hidden, codes, scales);
    }

    @Override
    public int in() {
        return project ? hidden : rank;
    }

    @Override
    public int out() {
        return project ? rank : hidden;
    }

    @Override
    public long bytes() {
        return (long) rank * hidden + 2L * scales.length;
    }

    @Override
    public void apply(float[] x, int n, float[] y) {
        if (project) {
            Parallel.forRange(rank, (long) rank * hidden * n, (from, to) -> {
                for (int t = 0; t < n; t++) {
                    Q8.dotMany(to - from, codes, from * hidden, scales, from * ns, SharedBasis.INT8_GROUP, hidden, x, t * hidden, y, t * rank + from);
                }
            });
            return;
        }
        for (int t = 0; t < n; t++) {
            float[] part = partials.get();
            java.util.Arrays.fill(part, 0f);
            final int tt = t;
            Parallel.forRange(BLOCKS, (long) rank * hidden, (from, to) -> {
                for (int c = from; c < to; c++) {
                    int k0 = block(c);
                    int k1 = block(c + 1);
                    if (k1 > k0) {
                        Q8.axpyMany(k1 - k0, x, tt * rank + k0, codes, k0 * hidden, scales, k0 * ns, SharedBasis.INT8_GROUP, hidden, part, c * hidden);
                    }
                }
            });
            int yOff = t * hidden;
            System.arraycopy(part, 0, y, yOff, hidden);
            for (int c = 1; c < BLOCKS; c++) {
                for (int i = 0; i < hidden; i++) y[yOff + i] += part[c * hidden + i];
            }
        }
    }

    private int block(int c) {
        return (int) ((long) rank * c / BLOCKS);
    }

    @Override
    public void applyReference(float[] x, int n, float[] y) {
        for (int t = 0; t < n; t++) {
            if (project) {
                for (int k = 0; k < rank; k++) {
                    y[t * rank + k] = Q8.dotScalar(codes, k * hidden, scales, k * ns, SharedBasis.INT8_GROUP, hidden, x, t * hidden);
                }
            } else {
                java.util.Arrays.fill(y, t * hidden, (t + 1) * hidden, 0f);
                for (int k = 0; k < rank; k++) {
                    Q8.axpyScalar(x[t * rank + k], codes, k * hidden, scales, k * ns, SharedBasis.INT8_GROUP, hidden, y, t * hidden);
                }
            }
        }
    }
}
