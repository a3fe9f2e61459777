package org.moelab.mobie;

/**
 * The compact on-disk form of a {@link PackedBinaryMatrix}: exactly what {@link PackedBinaryMatrix#honestBits()}
 * counts, up to word padding. Plane 2 exists only on salient columns and the group bitmap only on the others,
 * so both fit in one second bit plane:
 * <pre>
 *   salient (blocks, words)         column bitmap, 1 = salient
 *   signs   (rows, blocks, words)   plane 1, every weight (1 = +1)
 *   groups  (rows, blocks, words)   salient column: plane 2 (1 = +1); other column: 1 = sparse, 0 = concentrated
 *   params  (rows, blocks, 8) fp16  α1 μ1 α2 μ2 αc μc αs μs, as in PackedBinaryMatrix
 * </pre>
 * {@code words = ⌈block/64⌉}; bit j of a block row is bit {@code j & 63} of word {@code j >>> 6}; bits past the
 * block's width are 0. {@link #decode} checks every table's length and the padding and fails naming the problem.
 */
public record PackedStorage(int rows, int cols, int block, long[] salient, long[] signs, long[] groups, short[] params) {

    public static PackedStorage encode(PackedBinaryMatrix m) {
        long[] groups = new long[m.plane2.length];
        for (int i = 0; i < groups.length; i++) groups[i] = m.plane2[i] | m.sparse[i]; // disjoint by construction
        return new PackedStorage(m.rows, m.cols, m.block, m.salient.clone(), m.plane1.clone(), groups, m.params.clone());
    }

    /** Words per bit row of one block. */
    public static int words(int block) {
        return (block + 63) >>> 6;
    }

    public static int blocks(int cols, int block) {
        return (cols + block - 1) / block;
    }

    /** The matrix these tables describe; {@link IllegalArgumentException} naming what does not fit. */
    public PackedBinaryMatrix decode() {
        PackedBinaryMatrix m = new PackedBinaryMatrix(rows, cols, block);
        check("salient", salient.length, m.salient.length);
        check("signs", signs.length, m.plane1.length);
        check("groups", groups.length, m.plane2.length);
        check("params", params.length, m.params.length);
        for (int b = 0; b < m.blocks; b++) {
            long[] pad = padding(m.width(b), m.words);
            for (int k = 0; k < m.words; k++) {
                long sal = salient[b * m.words + k];
                if ((sal & pad[k]) != 0) throw new IllegalArgumentException("salient: bits set past the width of block " + b);
                m.salient[b * m.words + k] = sal;
                for (int r = 0; r < rows; r++) {
                    int i = (r * m.blocks + b) * m.words + k;
                    if (((signs[i] | groups[i]) & pad[k]) != 0) {
                        throw new IllegalArgumentException("signs/groups: bits set past the width of block " + b + ", row " + r);
                    }
                    m.plane1[i] = signs[i];
                    m.plane2[i] = groups[i] & sal;
                    m.sparse[i] = groups[i] & ~sal;
                }
            }
        }
        for (int i = 0; i < params.length; i++) {
            if (!Float.isFinite(Float.float16ToFloat(params[i]))) {
                throw new IllegalArgumentException("params: α/μ " + i + " is not finite");
            }
        }
        System.arraycopy(params, 0, m.params, 0, params.length);
        return m;
    }

    /** Per word of a block row, the mask of bits at or past {@code width}. */
    private static long[] padding(int width, int words) {
        long[] pad = new long[words];
        for (int k = 0; k < words; k++) {
            int valid = Math.max(0, Math.min(64, width - 64 * k));
            pad[k] = valid == 64 ? 0 : -1L << valid;
        }
        return pad;
    }

    private static void check(String table, int got, int expected) {
        if (got != expected) throw new IllegalArgumentException(table + ": " + got + " entries, expected " + expected);
    }
}
