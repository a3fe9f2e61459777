package org.moelab.mobie;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Vector API binary matvec against the scalar reference, on awkward sizes; bit accounting. */
class PackedBinaryMatrixTest {

    /** Error budget of the masked-sum kernel relative to Σ|ŵ||x| of the row (float sums in another order). */
    static final double BINARY_MATVEC_BUDGET = 2e-6;

    @Test
    void vectorMatvecEqualsTheScalarReference() {
        SplittableRandom rnd = new SplittableRandom(21);
        int[] rowsList = {1, 7, 33};
        int[] colsList = {1, 7, 63, 64, 65, 127, 128, 129, 200, 257};
        int[] blocks = {128, 37, 64};
        for (int block : blocks) {
            Binarizer.Options o = new Binarizer.Options(block, 0.01, Math.min(50, block), true, 0.1, 0.9, 21, 3, false);
            for (int rows : rowsList) {
                for (int cols : colsList) {
                    float[] w = new float[rows * cols];
                    for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(10) == 0 ? 4 : 1) + 0.1);
                    Binarizer.Result r = Binarizer.binarize(w, rows, cols, null, null, null, 0, o);
                    PackedBinaryMatrix p = r.packed();
                    float[] x = new float[cols + 3];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    float[] ref = new float[rows + 2], fast = new float[rows + 2];
                    p.matvecScalar(x, 3, ref, 2);
                    p.matvec(x, 3, fast, 2);
                    float[] deq = p.dequantize();
                    for (int i = 0; i < rows; i++) {
                        double mag = 0;
                        for (int j = 0; j < cols; j++) mag += Math.abs(deq[i * cols + j] * x[3 + j]);
                        assertEquals(ref[2 + i], fast[2 + i], BINARY_MATVEC_BUDGET * mag + 1e-30,
                                "rows " + rows + " cols " + cols + " block " + block + " row " + i);
                    }
                    assertEquals(0f, fast[0]);
                    assertEquals(0f, fast[1]);
                }
            }
        }
    }

    @Test
    void matmulIsOneMatvecPerToken() {
        SplittableRandom rnd = new SplittableRandom(2);
        int rows = 9, cols = 131, n = 3;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        PackedBinaryMatrix p = Binarizer.binarize(w, rows, cols, null, null, null, 0, Binarizer.Options.defaults()).packed();
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[n * rows];
        p.matmul(x, n, y);
        for (int t = 0; t < n; t++) {
            float[] one = new float[rows];
            p.matvec(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 0, one, 0);
            // Float lane reductions may associate differently once the kernel is compiled: equal to round-off.
            assertArrayEquals(one, java.util.Arrays.copyOfRange(y, t * rows, (t + 1) * rows), 1e-5f);
        }
    }

    @Test
    void bitsCountPlanesBitmapsAndParameters() {
        SplittableRandom rnd = new SplittableRandom(4);
        int rows = 16, cols = 256;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        PackedBinaryMatrix p = Binarizer.binarize(w, rows, cols, null, null, null, 0, Binarizer.Options.defaults()).packed();
        long sal = p.salientColumns();
        assertTrue(sal >= 2 && sal <= 100);
        assertEquals((long) rows * cols + rows * sal, p.paperBits());
        // planes 1 + 2, group bitmap, column bitmap, 2 blocks × 8 fp16 per row
        assertEquals(rows * cols + rows * sal + rows * (cols - sal) + cols + rows * 2 * 8 * 16, p.honestBits());
        double paper = (double) p.paperBits() / (rows * cols);
        assertTrue(paper > 1 && paper < 1.4, "papers' bits " + paper);
    }
}
