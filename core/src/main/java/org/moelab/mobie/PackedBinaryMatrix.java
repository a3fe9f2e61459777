package org.moelab.mobie;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.moelab.compute.LaneSum;

/**
 * The storage of one binarized weight matrix W (rows, cols) = (out, in) in blocks of {@code block} input
 * columns (the last block may be narrower), mobie.md §1. Per block b of width w, with
 * {@code words = ⌈block/64⌉} longs per bit row and bit j of a row at {@code word[j >>> 6] >>> (j & 63)}:
 * <pre>
 *   salient (blocks, words)              column bitmap: 1 = salient column (two sign planes)
 *   plane1  (rows, blocks, words)        first sign plane, every weight (1 = +1, 0 = −1)
 *   plane2  (rows, blocks, words)        second sign plane, salient columns only (other bits 0)
 *   sparse  (rows, blocks, words)        group bitmap of non-salient weights: 1 = sparse, 0 = concentrated
 *                                        (bits of salient columns 0)
 *   params  (rows, blocks, 8) fp16       α1 μ1 α2 μ2 (salient) · αc μc (concentrated) · αs μs (sparse)
 *
 *   ŵ = (±α1 + μ1) + (±α2 + μ2)   salient        (signs from plane1, plane2)
 *   ŵ =  ±αs + μs                 sparse
 *   ŵ =  ±αc + μc                 concentrated
 * </pre>
 * Padding bits past the block width are 0. The in-memory planes keep full rows for a branch-free kernel;
 * {@link #honestBits()} counts the compact encoding (plane 2 and the group bitmap only where they carry
 * information), which is what a file needs.
 */
public final class PackedBinaryMatrix {

    public static final int PARAMS = 8;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long LANE_BITS = F.length() >= 64 ? -1L : (1L << F.length()) - 1;

    final int rows;
    final int cols;
    final int block;
    final int blocks;
    final int words;
    final long[] salient; // (blocks, words)
    final long[] plane1;  // (rows, blocks, words)
    final long[] plane2;  // (rows, blocks, words)
    final long[] sparse;  // (rows, blocks, words)
    final short[] params; // (rows, blocks, 8) fp16

    PackedBinaryMatrix(int rows, int cols, int block) {
        if (rows < 1 || cols < 1 || block < 1) throw new IllegalArgumentException("empty matrix or block");
        if (64 % F.length() != 0) throw new IllegalStateException("vector length " + F.length() + " does not divide 64");
        this.rows = rows;
        this.cols = cols;
        this.block = block;
        this.blocks = (cols + block - 1) / block;
        this.words = (block + 63) >>> 6;
        this.salient = new long[blocks * words];
        this.plane1 = new long[rows * blocks * words];
        this.plane2 = new long[rows * blocks * words];
        this.sparse = new long[rows * blocks * words];
        this.params = new short[rows * blocks * PARAMS];
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Stores block b from the binarizer's result (its params must be fp16-representable). */
    void put(int b, BlockBinarizer.Block blk) {
        int w = width(b);
        if (blk.rows() != rows || blk.width() != w) throw new IllegalArgumentException("block shape mismatch");
        for (int j = 0; j < w; j++) if (blk.salientColumn()[j]) salient[b * words + (j >>> 6)] |= 1L << j;
        for (int r = 0; r < rows; r++) {
            int base = (r * blocks + b) * words;
            for (int j = 0; j < w; j++) {
                long bit = 1L << j;
                int k = base + (j >>> 6);
                int e = r * w + j;
                if (blk.plane1()[e]) plane1[k] |= bit;
                if (blk.salientColumn()[j] && blk.plane2()[e]) plane2[k] |= bit;
                if (!blk.salientColumn()[j] && blk.sparse()[e]) sparse[k] |= bit;
            }
            for (int p = 0; p < PARAMS; p++) {
                params[(r * blocks + b) * PARAMS + p] = Float.floatToFloat16(blk.params()[r * PARAMS + p]);
            }
        }
    }

    int width(int b) {
        return Math.min(block, cols - b * block);
    }

    private static boolean bit(long[] a, int wordBase, int j) {
        return (a[wordBase + (j >>> 6)] >>> j & 1) != 0;
    }

    /** The dequantized weight of one element from its group, its signs and the row's block parameters. */
    static float value(float[] p, int pOff, boolean salient, boolean sparse, boolean s1, boolean s2) {
        if (salient) return ((s1 ? p[pOff] : -p[pOff]) + p[pOff + 1]) + ((s2 ? p[pOff + 2] : -p[pOff + 2]) + p[pOff + 3]);
        if (sparse) return (s1 ? p[pOff + 6] : -p[pOff + 6]) + p[pOff + 7];
        return (s1 ? p[pOff + 4] : -p[pOff + 4]) + p[pOff + 5];
    }

    private float[] rowParams(int r, int b, float[] out) {
        for (int p = 0; p < PARAMS; p++) out[p] = Float.float16ToFloat(params[(r * blocks + b) * PARAMS + p]);
        return out;
    }

    /** Ŵ (rows, cols) row-major. */
    public float[] dequantize() {
        float[] out = new float[rows * cols];
        float[] p = new float[PARAMS];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                rowParams(r, b, p);
                int base = (r * blocks + b) * words;
                for (int j = 0, w = width(b); j < w; j++) {
                    out[r * cols + b * block + j] = value(p, 0, bit(salient, b * words, j), bit(sparse, base, j),
                            bit(plane1, base, j), bit(plane2, base, j));
                }
            }
        }
        return out;
    }

    /** The scalar reference (the specification): {@code y (rows) = Ŵ x}, element by element, summed in double. */
    public void matvecScalar(float[] x, int xOff, float[] y, int yOff) {
        float[] p = new float[PARAMS];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int b = 0; b < blocks; b++) {
                rowParams(r, b, p);
                int base = (r * blocks + b) * words;
                for (int j = 0, w = width(b); j < w; j++) {
                    s += (double) value(p, 0, bit(salient, b * words, j), bit(sparse, base, j), bit(plane1, base, j),
                            bit(plane2, base, j)) * x[xOff + b * block + j];
                }
            }
            y[yOff + r] = (float) s;
        }
    }

    /**
     * {@code y (rows) = Ŵ x} without dequantizing: per row and block, five masked sums of x (over plane 1,
     * plane 1 ∧ salient, plane 2, sparse, plane 1 ∧ sparse) give every group's signed sum
     * {@code Σ b·x = 2·Σ_{b=+1} x − Σ x}; the two row-independent sums (all, salient) are taken once per block.
     * Lanes are summed in one fixed order ({@link LaneSum}), so the result does not depend on the JIT tier.
     */
    public void matvec(float[] x, int xOff, float[] y, int yOff) {
        float[] all = new float[blocks];
        float[] sal = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            all[b] = masked(x, xOff + b * block, width(b), null, 0);
            sal[b] = masked(x, xOff + b * block, width(b), salient, b * words);
        }
        float[] p = new float[PARAMS];
        float[] s = new float[5];
        for (int r = 0; r < rows; r++) {
            float acc = 0;
            for (int b = 0; b < blocks; b++) {
                rowParams(r, b, p);
                sums(x, xOff + b * block, width(b), b * words, (r * blocks + b) * words, s);
                float xs = sal[b], xg = s[3], xc = all[b] - xs - xg;
                float a1 = s[0], a1s = s[1], a2 = s[2], a1g = s[4], a1c = a1 - a1s - a1g;
                acc += p[0] * (2 * a1s - xs) + (p[1] + p[3]) * xs + p[2] * (2 * a2 - xs)
                        + p[4] * (2 * a1c - xc) + p[5] * xc
                        + p[6] * (2 * a1g - xg) + p[7] * xg;
            }
            y[yOff + r] = acc;
        }
    }

    /** {@code Y (n, rows) = X (n, cols) · Ŵᵀ} by {@link #matvec} per token. */
    public void matmul(float[] x, int n, float[] y) {
        for (int t = 0; t < n; t++) matvec(x, t * cols, y, t * rows);
    }

    /** Σ x over the set bits of a in one block row; null a means all bits. */
    private static float masked(float[] x, int off, int w, long[] a, int aBase) {
        FloatVector acc = FloatVector.zero(F);
        int step = F.length();
        int j = 0;
        for (; j + step <= w; j += step) {
            long bits = LANE_BITS & (a == null ? -1L : a[aBase + (j >>> 6)] >>> (j & 63));
            acc = acc.add(FloatVector.fromArray(F, x, off + j), VectorMask.fromLong(F, bits));
        }
        float s = LaneSum.of(acc);
        for (; j < w; j++) {
            if (a == null || bit(a, aBase, j)) s += x[off + j];
        }
        return s;
    }

    /** s = {Σ x over plane1, plane1∧salient, plane2, sparse, plane1∧sparse} of one block row. */
    private void sums(float[] x, int off, int w, int sBase, int rBase, float[] s) {
        int step = F.length();
        FloatVector v1 = FloatVector.zero(F), v1s = v1, v2 = v1, vg = v1, v1g = v1;
        int j = 0;
        for (; j + step <= w; j += step) {
            int k = j >>> 6, sh = j & 63;
            long p1 = plane1[rBase + k] >>> sh & LANE_BITS;
            long sa = salient[sBase + k] >>> sh;
            long g = sparse[rBase + k] >>> sh;
            FloatVector xv = FloatVector.fromArray(F, x, off + j);
            v1 = v1.add(xv, VectorMask.fromLong(F, p1));
            v1s = v1s.add(xv, VectorMask.fromLong(F, p1 & sa));
            v2 = v2.add(xv, VectorMask.fromLong(F, plane2[rBase + k] >>> sh & LANE_BITS));
            vg = vg.add(xv, VectorMask.fromLong(F, g & LANE_BITS));
            v1g = v1g.add(xv, VectorMask.fromLong(F, p1 & g));
        }
        float a1 = LaneSum.of(v1), a1s = LaneSum.of(v1s);
        float a2 = LaneSum.of(v2), ag = LaneSum.of(vg);
        float a1g = LaneSum.of(v1g);
        for (; j < w; j++) {
            float xv = x[off + j];
            boolean p1 = bit(plane1, rBase, j);
            boolean sa = bit(salient, sBase, j);
            boolean g = bit(sparse, rBase, j);
            if (p1) a1 += xv;
            if (p1 && sa) a1s += xv;
            if (bit(plane2, rBase, j)) a2 += xv;
            if (g) ag += xv;
            if (p1 && g) a1g += xv;
        }
        s[0] = a1;
        s[1] = a1s;
        s[2] = a2;
        s[3] = ag;
        s[4] = a1g;
    }

    /** Salient columns over all blocks. */
    public long salientColumns() {
        long n = 0;
        for (long v : salient) n += Long.bitCount(v);
        return n;
    }

    /** The papers' convention: one bit per weight, two on salient columns (BiLLM's ≈1.1 bits). */
    public long paperBits() {
        return (long) rows * cols + rows * salientColumns();
    }

    /**
     * Everything a compact file needs: both sign planes, the group bitmap of non-salient weights, the
     * salient-column bitmap and the eight fp16 parameters per row and block.
     */
    public long honestBits() {
        return paperBits() + bitmapBits() + paramBits();
    }

    /** The group bitmap of non-salient weights plus the salient-column bitmap. */
    public long bitmapBits() {
        return rows * (cols - salientColumns()) + cols;
    }

    /** Eight fp16 α/μ per row and block. */
    public long paramBits() {
        return (long) rows * blocks * PARAMS * 16;
    }
}
